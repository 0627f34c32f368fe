"""`tensorflow.examples` paths kept for old tutorials."""
