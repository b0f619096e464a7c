"""ganzoo's built-in GAN families, written as ordinary plugins against the public API.

Each module is one entry point of the ``ganzoo`` group (see the project's pyproject.toml);
``layers`` holds the building blocks they share.
"""
