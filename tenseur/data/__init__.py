"""Datasets for tenseur (``tenseur.data.mnist``: TF 1.x / Keras style MNIST)."""
from . import mnist
from .mnist import (DataSet, DatasetError, Datasets, DownloadError, load_data, load_mnist,
                    read_data_sets)

__all__ = ["mnist", "DataSet", "DatasetError", "Datasets", "DownloadError", "load_data",
           "load_mnist", "read_data_sets"]
