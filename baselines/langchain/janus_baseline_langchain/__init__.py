"""``baseline-langchain``: a Janus competitor built on a LangChain 1.x agent.

A second reference next to ``baseline-agent-cli``, to show that any stack fits behind the
competitor contract: the agent is LangChain's ``create_agent`` with ``ChatOpenAI`` pointed at
the platform's inference, and every tool goes through the platform (sandbox, search).
"""

__version__ = "0.1.0"
