# A Python guest for componentize-py (tests/guests/components/python/build.sh):
# `run` passes its argument to the host function `greet`, prints a greeting
# (WASI preview 2 stdout), and appends to the list it gets back the
# argument's length, the wall clock's nanoseconds and four random bytes
# (wasi:clocks and wasi:random): values that differ on every run unless
# replayed.
import os
import time

import wit_world


class WitWorld(wit_world.WitWorld):
    def run(self, name: str) -> list[int]:
        print(f"hello, {name}", flush=True)
        now = time.time_ns() % 1_000_000_007
        noise = int.from_bytes(os.urandom(4), "little")
        return wit_world.greet(name) + [len(name), now, noise]
