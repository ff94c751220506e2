# A Python guest for componentize-py (tests/guests/components/python/build.sh):
# `run` passes its argument to the host function `greet` and appends the
# argument's length to the list it gets back.
import wit_world


class WitWorld(wit_world.WitWorld):
    def run(self, name: str) -> list[int]:
        return wit_world.greet(name) + [len(name)]
