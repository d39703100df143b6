# The fleet's engines, in start order. Each has scripts/fleet/<engine>.sh with the subcommands
#   install  fetch and build into .cache/ what is missing (pinned versions; skips what is there)
#   up       start it on 127.0.0.1, wait until it answers, record its pid in .cache/fleet/<engine>.pid
#            and its connection settings in .cache/fleet/<engine>.env (KEY=VALUE lines)
#   down     stop the process recorded in the pid file, and only that one
FLEET_ENGINES=(postgres redis kafka s3)
FLEET_DIR=.cache/fleet
