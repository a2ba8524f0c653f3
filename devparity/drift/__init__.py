"""Environment drift: fingerprint an image or container from its files alone
(``fingerprint``; ``sources`` reads, ``parsers`` and ``filters`` are pure) and diff two
fingerprints semantically (``diff``)."""
