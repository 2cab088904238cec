"""Qt-free machine learning: backbones, embeddings, search, label quality, training.

Heavy libraries (torch, timm, faiss, umap) are imported inside functions only.
"""
