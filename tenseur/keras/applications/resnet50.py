"""`keras.applications.resnet50`: ResNet50 with its preprocessing (Keras' module of that name)."""
from .resnet import ResNet50, decode_predictions, preprocess_input  # noqa: F401
