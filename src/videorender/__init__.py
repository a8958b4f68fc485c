"""videorender: turn a text script into a narrated video with synced subtitles."""

__version__ = "1.0.0"
