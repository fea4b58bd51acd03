"""A seeded generator of a synthetic district, its charters and their exports."""

from sislink.demo.entities import Defect
from sislink.demo.export import write_roster, write_sislink_csv
from sislink.demo.generator import generate_world
from sislink.demo.rounds import next_round
from sislink.demo.world import World

__all__ = [
    "Defect",
    "World",
    "generate_world",
    "next_round",
    "write_roster",
    "write_sislink_csv",
]
