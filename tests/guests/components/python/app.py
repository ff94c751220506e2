# A Python guest for componentize-py (tests/guests/components/python/build.sh):
# `run` passes its argument to the host function `greet`, prints a greeting
# (WASI preview 2 stdout), reads /data/input.txt (wasi:filesystem, from a
# preopened directory), and appends to the list it gets back the argument's
# length, the wall clock's nanoseconds, four random bytes (wasi:clocks and
# wasi:random), the file's length and its first byte: values that differ
# from run to run unless replayed.
import os
import time

import wit_world


class WitWorld(wit_world.WitWorld):
    def run(self, name: str) -> list[int]:
        print(f"hello, {name}", flush=True)
        now = time.time_ns() % 1_000_000_007
        noise = int.from_bytes(os.urandom(4), "little")
        try:
            with open("/data/input.txt", "rb") as file:
                data = file.read()
        except OSError:
            data = b""
        return wit_world.greet(name) + [len(name), now, noise, len(data), data[0] if data else 0]
