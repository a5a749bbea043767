#!/bin/sh
# Agent pack v1: what runs inside the sandbox for one request.
#
#   /workspace/.agent/              this pack, the janus_agent package, conversation.json
#                                   (the request's messages) and task.md (its last user text)
#   /workspace/inputs/              files attached to the conversation
#   /workspace/artifacts/           every file left here is delivered to the client
#
# It runs the CLI agent, then announces the artifacts as JSON lines on stdout, so they
# reach the client whichever agent made them. $JANUS_AGENT_COMMAND (the baseline's
# JANUS_BASELINE_AGENT) runs another CLI agent instead of janus-agent.
cd /workspace || exit 1
mkdir -p artifacts
export PYTHONPATH=/workspace/.agent
if [ -n "${JANUS_AGENT_COMMAND:-}" ]; then
    python3 -m janus_agent wrap "$JANUS_AGENT_COMMAND"
else
    python3 -m janus_agent run --pack /workspace/.agent \
        --conversation /workspace/.agent/conversation.json
fi
status=$?
python3 -m janus_agent artifacts /workspace/artifacts
exit $status
