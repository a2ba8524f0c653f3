"""devparity: one image, identical dev and prod containers, and drift checks."""

__version__ = "0.1.0"
