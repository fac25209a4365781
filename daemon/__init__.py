"""Minutes: a local-first daemon that turns meeting recordings into Markdown minutes.

The data flows one way: ``Recording -> Chunk -> Segment -> Transcript -> Summary -> Report``.
"""

__version__ = "0.1.0"
