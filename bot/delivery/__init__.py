"""Delivering what the outbox holds, through whichever channel each message is addressed to."""
