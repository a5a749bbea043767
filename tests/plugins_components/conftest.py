# The sandbox tests' fixture: python-exec needs the real bubblewrap, never a skip.
from tests.platform.conftest import bubblewrap

__all__ = ["bubblewrap"]
