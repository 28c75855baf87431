"""Versioned event payloads: the contract between components. One module per producer."""
