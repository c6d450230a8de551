"""Models: presets, training (TensorFlow, imported lazily), scoring, fold-in, save/load.

Importing this package, ``presets``, ``trained``, ``scoring``, ``foldin``, ``store`` or
``embedding_map`` never imports TensorFlow; ``trainer`` imports the model kinds (and TF)
only when a model is trained.
"""
