"""The Keras engine: networks, objectives, compiled training, inference, and the Keras glue.

Nothing here knows the estimator: the library's core turns parameters into a
configuration and data sources, and calls the engine with them.
"""
