"""Helpers the tests share: servers to start, load to send, hostile inputs, ledgers to check."""
