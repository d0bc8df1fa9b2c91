// The lecture's models and the classic architectures; one export line per model file.
