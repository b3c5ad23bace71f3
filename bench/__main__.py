"""``make bench``: every benchmark, each against its raw baseline measured in the same run,
then one table (figure, Homeward, raw baseline, ratio)."""

from bench.handoff import main

main()
