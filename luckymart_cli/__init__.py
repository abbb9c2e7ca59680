"""`luckymart-admin`: the one admin CLI. Every admin operation of the project is a row of `commands.COMMANDS`."""
