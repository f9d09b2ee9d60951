"""Rosee Support: the customer-support assistant of Roseeorder.com (RoseeGlory)."""

__version__ = "0.1.0"
