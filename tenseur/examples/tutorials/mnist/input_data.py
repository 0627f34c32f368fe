"""`input_data.read_data_sets("MNIST_data/", one_hot=True)` as in the TF 1.x tutorials."""
from tenseur.data.mnist import DataSet, load_mnist, read_data_sets  # noqa: F401
