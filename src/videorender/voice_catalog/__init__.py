"""More voices: a Piper-style catalogue (`catalog.py`), checked and resumable downloads
(`download.py`), whether a voice loads (`checks.py`), and VOICES_DIR's voices fetched, added
and removed (`library.py`). The faces (`videorender voices`, the studio's "More voices") are
thin layers over `VoiceLibrary`; only their explicit commands download anything.
"""

from videorender.voice_catalog.catalog import DEFAULT_CATALOG_URL, CatalogFile, CatalogVoice
from videorender.voice_catalog.download import FetchProgress
from videorender.voice_catalog.library import Installed, LibraryConfig, VoiceLibrary

__all__ = [
    "DEFAULT_CATALOG_URL",
    "CatalogFile",
    "CatalogVoice",
    "FetchProgress",
    "Installed",
    "LibraryConfig",
    "VoiceLibrary",
]
