"""``minutes eval``: how well the configured summarizer does on a user's own annotated meetings.

``gold`` reads a folder of ``<id>.txt`` scripts with ``<id>.gold.json`` annotations (the shared
meeting set's format); ``score`` matches items by that set's rules; ``run`` summarizes every
script and scores it; ``report`` prints the result, alone or beside a second configuration's.
"""

from daemon.evaluate.run import Evaluation, evaluate

__all__ = ["Evaluation", "evaluate"]
