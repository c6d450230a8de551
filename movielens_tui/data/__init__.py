"""MovieLens data: where it comes from, how to verify, parse, split and summarise it.

No TensorFlow and no Textual here.
"""
