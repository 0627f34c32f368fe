"""TF 1.x path of the MNIST helper; the implementation is `tenseur.data.mnist`."""
from tenseur.data.mnist import (DataSet, Datasets, dense_to_one_hot, extract_images,  # noqa: F401
                                extract_labels, load_mnist, read_data_sets)
