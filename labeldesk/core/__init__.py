"""Qt-free, torch-free core: project store, scanning, decoding, labels, jobs."""
