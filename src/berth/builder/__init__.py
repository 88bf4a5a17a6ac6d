"""Docker builds: the Dockerfile front end (lexer, parser, expansion, .dockerignore)
and the engine that runs the stages."""

# Where ``berth build`` puts the build secrets in the context tar; berthd takes them out
# before the build (``berth.daemon.build``). Here, so the client imports no more than it.
SECRETS_DIR = ".berth-build-secrets"
