"""Docker builds: the Dockerfile front end (lexer, parser, expansion, .dockerignore)
and the engine that runs the stages."""
