"""Convolution & pooling explorer: the library behind the Streamlit app (no Streamlit here, except ui/)."""
