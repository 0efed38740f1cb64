"""The saved game state of stock procgen CoinRun: parse, check, edit and write it back.

Stock procgen (0.10.7, and the ``procgen-gym`` port built from the same C++) can save and restore
each game as bytes (``get_state`` / ``set_state``). Moving CoinRun's coin is an edit of those
bytes: the coin is a cell of the level grid, so we rewrite two cells and hand the state back. No
forked C++ build is needed.

Format (written by ``Game::serialize``, ``BasicAbstractGame::serialize`` and
``CoinRun::serialize`` in the procgen sources, then the sentinel ``0xCAFECAFE``)
---------------------------------------------------------------------------------------------
Native little-endian 4-byte ints and floats; a bool is an int; a string is an int length and its
bytes; a vector is an int count and its elements. In order:

1. serialize version (0) and the game name (``"coinrun"``);
2. 17 ints: the game options, ``grid_step``, ``level_seed_low``/``high``, ``game_type``, ``game_n``;
3. two random generators (``is_seeded`` int + the mt19937 state as text: 625 decimal numbers);
4. 15 step fields (reward, done, ..., ``current_level_seed``, ..., ``cur_time``);
5. ``grid_size``, then the entities: a count and 124-byte records (31 fields; x, y first);
6. 19 view fields, a third random generator, 9 world fields (``main_width``, ...);
7. the grid: ``w`` = 64, ``h`` = 64, a count of 4096 and the cells (index ``y * 64 + x``,
   y = 0 at the bottom);
8. CoinRun's 7 fields (``last_agent_y``, ``wall_theme``, ...) and the sentinel.

The text generators make the length vary, so the parser walks the fields in order.

Why every check
---------------
``set_state`` in C++ has no error path back to Python: a failed ``fassert``, an out-of-range asset
index or a NaN position ends the whole process (a notebook kernel dies). So ``parse_state`` accepts
only a state that the C++ can read back safely and raises ``ValueError`` for anything else: wrong
length or sentinel, another game, a grid that is not 64 x 64, cell or entity kinds (or an entity
drawn with another kind's image) that CoinRun never makes, theme and background indices out of
range, non-finite or far-away positions, an empty level-seed range (the C++ would divide by zero),
generator text that is not an mt19937 state, or any flag, action or counter outside the values
CoinRun gives it (``INT_RANGES``; the few int fields not bounded there are only seeds).
``check_compatible`` also rejects a state saved under other options (``set_state`` would
silently switch the env to those options).

Editing
-------
``place_coin`` applies the Langosco et al. (2022) test-time rule to a freshly generated level:
the coin goes on top of the ground in the first column of a randomly chosen level section (never
at x < 5, never at the end), and the end cell gets what the generator leaves there without a coin
(an invisible enemy barrier). The choice is a pure function of the level seed.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

import numpy as np

from goalmisgen.envs.grid import rng

GAME_NAME = "coinrun"
SERIALIZE_VERSION = 0
END_OF_BUFFER = struct.unpack("<i", struct.pack("<I", 0xCAFECAFE))[0]
GRID_W = GRID_H = 64
TAIL_BYTES = GRID_W * GRID_H * 4 + 32
"""Bytes from the first grid cell to the end: 4096 cells, 7 CoinRun fields and the sentinel."""
MAX_STATE_BYTES = 2**20
MAX_ENTITIES = 2000
MAX_RNG_TEXT = 20_000
MT19937_WORDS = 625
_MT19937_TEXT = re.compile(rb"(?:\d{1,10} ){624}\d{1,3}")
"""libstdc++ writes an mt19937 as its 624 state words and the position (at most 624)."""
NUM_BACKGROUNDS = 62
"""Platform backgrounds (49) plus the space backgrounds procgen appends to them (13)."""
NUM_GROUND_THEMES = 6
POSITION_LIMIT = 1000.0

# Grid cells (games/coinrun.cpp, object-ids.h).
GOAL = 1
WALL_MID, WALL_TOP = 15, 16
LAVA_MID, LAVA_TOP = 17, 18
ENEMY_BARRIER = 19
SPACE = 100
CELL_KINDS = frozenset({GOAL, WALL_MID, WALL_TOP, LAVA_MID, LAVA_TOP, ENEMY_BARRIER, SPACE})

# Entity types, and the images CoinRun draws with their number of themes (asset variants).
PLAYER, SAW, SAW2, ENEMY, ENEMY1, ENEMY2, CRATE, TRAIL = 0, 2, 3, 5, 6, 7, 20, 59
ENTITY_IMAGES = {PLAYER: (PLAYER,), SAW: (SAW, SAW2), ENEMY: (ENEMY1, ENEMY2), CRATE: (CRATE,), TRAIL: (TRAIL,)}
"""The entity types CoinRun makes and the images it draws each with (saws and enemies switch
between two every step, keeping their image_theme)."""
ENTITY_TYPES = frozenset(ENTITY_IMAGES)
IMAGE_THEMES = {PLAYER: 5, SAW: 1, SAW2: 1, ENEMY1: 9, ENEMY2: 9, CRATE: 4, TRAIL: 1}

COIN_PLACEMENTS = ("end", "random", "none")
FIRST_SECTION_X = 5
_COIN_STREAM, _FRACTION_STREAM = 101, 102


def _dtype(spec: str) -> np.dtype:
    """Structured little-endian dtype from "name:i name:f ..." (i = int32, f = float32)."""
    fields = [item.split(":") for item in spec.split()]
    return np.dtype([(name, "<i4" if kind == "i" else "<f4") for name, kind in fields])


GAME_OPTIONS = _dtype(
    "paint_vel_info:i use_generated_assets:i use_monochrome_assets:i restrict_themes:i "
    "use_backgrounds:i center_agent:i debug_mode:i distribution_mode:i use_sequential_levels:i "
    "use_easy_jump:i plain_assets:i physics_mode:i grid_step:i level_seed_low:i "
    "level_seed_high:i game_type:i game_n:i"
)
STEP = _dtype(
    "reward:f done:i level_complete:i action:i timeout:i current_level_seed:i prev_level_seed:i "
    "episodes_remaining:i episode_done:i last_reward_timer:i last_reward:f default_action:i "
    "fixed_asset_seed:i cur_time:i is_waiting_for_step:i"
)
ENTITY = _dtype(
    "x:f y:f vx:f vy:f rx:f ry:f type:i image_type:i image_theme:i render_z:i will_erase:i "
    "collides_with_entities:i collision_margin:f rotation:f vrot:f is_reflected:i fire_time:i "
    "spawn_time:i life_time:i expire_time:i use_abs_coords:i friction:f smart_step:i "
    "avoids_collisions:i auto_erase:i alpha:f health:f theta:f grow_rate:f alpha_decay:f "
    "climber_spawn_x:f"
)
VIEW = _dtype(
    "use_procgen_background:i background_index:i bg_tile_ratio:f bg_pct_x:f char_dim:f "
    "last_move_action:i move_action:i special_action:i mixrate:f maxspeed:f max_jump:f "
    "action_vx:f action_vy:f action_vrot:f center_x:f center_y:f random_agent_start:i "
    "has_useful_vel_info:i step_rand_int:i"
)
WORLD = _dtype(
    "main_width:i main_height:i out_of_bounds_object:i unit:f view_dim:f x_off:f y_off:f "
    "visibility:f min_visibility:f"
)
COINRUN = _dtype("last_agent_y:f wall_theme:i has_support:i facing_right:i is_on_crate:i gravity:f air_control:f")

OPTION_NAMES = (
    "paint_vel_info", "use_generated_assets", "use_monochrome_assets", "restrict_themes",
    "use_backgrounds", "center_agent", "debug_mode", "distribution_mode", "use_sequential_levels",
    "use_easy_jump", "plain_assets", "physics_mode",
)
"""Game options stored in every state; a state only fits an env created with the same ones."""


@dataclass
class RandGenState:
    """One of the game's random generators: whether it was seeded, and its mt19937 state as text."""

    is_seeded: int
    text: bytes


@dataclass
class CoinRunSavedState:
    """A parsed CoinRun state. ``to_bytes()`` writes it back byte for byte.

    Attributes:
        game_name: "coinrun".
        options: (1,) record of ``GAME_OPTIONS`` (options, level-seed range, ...).
        level_seed_gen, rand_gen, asset_rand_gen: the three random generators.
        step: (1,) record of ``STEP`` (``current_level_seed``, ``cur_time``, ...).
        grid_size: 4096.
        entities: (n,) records of ``ENTITY``; the player has ``type == PLAYER``.
        view, world: (1,) records of ``VIEW`` and ``WORLD``.
        grid: (64, 64) int32 cells indexed ``[y, x]``, y = 0 at the bottom.
        coinrun: (1,) record of ``COINRUN``.
    """

    game_name: str
    options: np.ndarray
    level_seed_gen: RandGenState
    rand_gen: RandGenState
    step: np.ndarray
    grid_size: int
    entities: np.ndarray
    view: np.ndarray
    asset_rand_gen: RandGenState
    world: np.ndarray
    grid: np.ndarray
    coinrun: np.ndarray

    @property
    def level_seed(self) -> int:
        """The seed of the level being played."""
        return int(self.step["current_level_seed"][0])

    @property
    def player_index(self) -> int:
        """Index of the player among the entities (the C++ looks it up the same way)."""
        return int(np.flatnonzero(self.entities["type"] == PLAYER)[0])

    @property
    def player_xy(self) -> tuple[float, float]:
        """(x, y) of the player's centre in grid units."""
        p = self.entities[self.player_index]
        return float(p["x"]), float(p["y"])

    def option_values(self) -> dict[str, int]:
        """The game options stored in this state, by name (see ``OPTION_NAMES``)."""
        return {name: int(self.options[name][0]) for name in OPTION_NAMES}

    def to_bytes(self) -> bytes:
        """Serialize in the C++ order, ending with the sentinel."""
        out = [struct.pack("<i", SERIALIZE_VERSION), _string(self.game_name.encode()), self.options.tobytes()]
        for gen in (self.level_seed_gen, self.rand_gen):
            out += [struct.pack("<i", gen.is_seeded), _string(gen.text)]
        out += [self.step.tobytes(), struct.pack("<ii", self.grid_size, len(self.entities)), self.entities.tobytes()]
        out += [self.view.tobytes(), struct.pack("<i", self.asset_rand_gen.is_seeded), _string(self.asset_rand_gen.text)]
        out += [self.world.tobytes(), struct.pack("<iii", GRID_W, GRID_H, GRID_W * GRID_H)]
        out += [np.ascontiguousarray(self.grid, dtype="<i4").tobytes(), self.coinrun.tobytes(), struct.pack("<i", END_OF_BUFFER)]
        return b"".join(out)


def _string(data: bytes) -> bytes:
    return struct.pack("<i", len(data)) + data


class _Reader:
    """Sequential reader that raises ValueError (never reads past the end)."""

    def __init__(self, data: bytes):
        self.data, self.offset = data, 0

    def take(self, size: int, what: str) -> bytes:
        if size < 0 or self.offset + size > len(self.data):
            raise ValueError(
                f"malformed CoinRun state: {what} needs {size} bytes at offset {self.offset}, "
                f"but the state has {len(self.data)} bytes"
            )
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def int(self, what: str) -> int:
        return struct.unpack("<i", self.take(4, what))[0]

    def string(self, what: str, limit: int) -> bytes:
        size = self.int(f"the length of {what}")
        if not 0 <= size <= limit:
            raise ValueError(f"malformed CoinRun state: {what} has length {size}; allowed 0..{limit}")
        return self.take(size, what)

    def records(self, dtype: np.dtype, count: int, what: str) -> np.ndarray:
        return np.frombuffer(self.take(dtype.itemsize * count, what), dtype=dtype).copy()

    def randgen(self, what: str) -> RandGenState:
        return RandGenState(self.int(f"{what}.is_seeded"), self.string(f"{what}'s state text", MAX_RNG_TEXT))


def parse_state(data: bytes) -> CoinRunSavedState:
    """Parse and check a state from ``get_state``; raises ValueError unless it is a CoinRun state
    that the C++ can read back safely (see the module docstring)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"a CoinRun state must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if not 0 < len(data) <= MAX_STATE_BYTES:
        raise ValueError(f"a CoinRun state has 1..{MAX_STATE_BYTES} bytes, got {len(data)}")
    if len(data) < TAIL_BYTES or struct.unpack_from("<i", data, len(data) - 4)[0] != END_OF_BUFFER:
        raise ValueError("malformed CoinRun state: it does not end with the END_OF_BUFFER sentinel 0xCAFECAFE")
    r = _Reader(data)
    version = r.int("the serialize version")
    if version != SERIALIZE_VERSION:
        raise ValueError(f"serialize version {version} is not supported; procgen 0.10.7 writes {SERIALIZE_VERSION}")
    name = r.string("the game name", 64)
    if name != GAME_NAME.encode():
        raise ValueError(f"this is a state of the game {name!r}, not of {GAME_NAME!r}")
    options = r.records(GAME_OPTIONS, 1, "the game options")
    level_seed_gen, rand_gen = r.randgen("level_seed_rand_gen"), r.randgen("rand_gen")
    step = r.records(STEP, 1, "the step fields")
    grid_size = r.int("grid_size")
    count = r.int("the entity count")
    if not 1 <= count <= MAX_ENTITIES:
        raise ValueError(f"malformed CoinRun state: {count} entities; allowed 1..{MAX_ENTITIES}")
    entities = r.records(ENTITY, count, "the entities")
    view = r.records(VIEW, 1, "the view fields")
    asset_rand_gen = r.randgen("asset_rand_gen")
    world = r.records(WORLD, 1, "the world fields")
    w, h, cells = r.int("grid.w"), r.int("grid.h"), r.int("the grid count")
    if (w, h, cells) != (GRID_W, GRID_H, GRID_W * GRID_H):
        raise ValueError(f"malformed CoinRun state: grid header w={w} h={h} count={cells}; expected 64, 64, 4096")
    grid = r.records(np.dtype("<i4"), cells, "the grid").reshape(GRID_H, GRID_W)
    coinrun = r.records(COINRUN, 1, "CoinRun's fields")
    r.int("the sentinel")
    if r.offset != len(data):
        raise ValueError(f"malformed CoinRun state: {len(data) - r.offset} bytes left over after the sentinel")
    state = CoinRunSavedState(
        name.decode(), options, level_seed_gen, rand_gen, step, grid_size, entities, view,
        asset_rand_gen, world, grid, coinrun,
    )
    check_values(state)
    return state


def _check_randgen(gen: RandGenState, what: str) -> None:
    if gen.is_seeded not in (0, 1):
        raise ValueError(f"{what}.is_seeded={gen.is_seeded}; allowed 0 or 1")
    if _MT19937_TEXT.fullmatch(gen.text) is None:
        raise ValueError(f"{what} does not hold an mt19937 state ({MT19937_WORDS} decimal numbers)")
    words = gen.text.split(b" ")
    if max(map(int, words)) >= 2**32 or int(words[-1]) > MT19937_WORDS - 1:
        raise ValueError(f"{what} holds numbers out of range for an mt19937 state")


def _check_range(value, low, high, what: str) -> None:
    if not low <= value <= high:
        raise ValueError(f"{what}={value!r} is out of range; allowed {low}..{high}")


FLOAT_RANGES = {
    "entity": {
        "x": (-2.0, 66.0), "y": (-2.0, 66.0), "vx": (-2.0, 2.0), "vy": (-2.0, 2.0), "rx": (0.0, 1.0),
        "ry": (0.0, 1.0), "alpha": (0.0, 1.0), "grow_rate": (0.0, 2.0), "alpha_decay": (0.0, 1.0), "friction": (1.0, 1.0),
    },
    "view": {
        "bg_tile_ratio": (0.0, 0.0), "bg_pct_x": (0.0, 1.0), "char_dim": (5.0, 5.0), "mixrate": (0.2, 0.2),
        "maxspeed": (0.5, 0.5), "max_jump": (1.5, 1.5), "action_vx": (-1.0, 1.0), "action_vy": (-1.0, 1.0),
    },
    "world": {"visibility": (13.0, 13.0), "min_visibility": (0.0, 0.0)},
    "coinrun": {"gravity": (0.2, 0.2), "air_control": (0.15, 0.15)},
}
"""Float fields with a tighter range than +-POSITION_LIMIT: CoinRun's constants (its physics and
drawing parameters) and what sizes, speeds and positions it produces, with a margin. Loop counts
and cell indices in the C++ are computed from these."""


TIMEOUT = 1000
"""CoinRun's episode length in steps (``Game::timeout``); ``cur_time`` stays below it."""
COUNTER_LIMIT = 2**20
"""A generous bound for per-entity step counters (an entity lives at most one 1000-step episode)."""
BOOL = (0, 1)
INT_RANGES = {
    "options": {
        "paint_vel_info": BOOL, "use_monochrome_assets": BOOL, "restrict_themes": BOOL, "use_backgrounds": BOOL,
        "center_agent": BOOL, "debug_mode": (0, 15), "use_sequential_levels": BOOL, "use_easy_jump": BOOL,
        "plain_assets": BOOL, "physics_mode": BOOL, "grid_step": (0, 0), "game_type": (0, 0), "game_n": (0, 2**31 - 1),
    },
    "step": {
        "done": BOOL, "level_complete": BOOL, "action": (0, 14), "timeout": (TIMEOUT, TIMEOUT),
        "episodes_remaining": BOOL, "episode_done": BOOL, "last_reward_timer": (0, 10), "default_action": (0, 14),
        "cur_time": (0, TIMEOUT),
    },
    "entity": {
        "render_z": (-1, 1), "will_erase": BOOL, "collides_with_entities": BOOL, "is_reflected": BOOL,
        "fire_time": (-1, COUNTER_LIMIT), "spawn_time": (-1, COUNTER_LIMIT), "life_time": (0, COUNTER_LIMIT),
        "expire_time": (-1, COUNTER_LIMIT), "use_abs_coords": BOOL, "smart_step": BOOL, "avoids_collisions": BOOL,
        "auto_erase": BOOL,
    },
    "view": {
        "use_procgen_background": (0, 0), "last_move_action": (0, 8), "move_action": (0, 8), "special_action": (0, 6),
        "random_agent_start": BOOL, "has_useful_vel_info": BOOL, "step_rand_int": (0, 999_999),
    },
    "coinrun": {"has_support": BOOL, "facing_right": BOOL, "is_on_crate": BOOL},
}
"""Int fields and the values CoinRun gives them (booleans 0/1, actions 0..14 and their move/special
parts, counters non-negative), measured over thousands of real states of both modes. The C++ reads
them as flags, indices or counts: ``use_procgen_background=1`` makes the game draw over the shared
background images and ``free()`` a static vector when the env is closed (abort)."""
CHECKED_ELSEWHERE = {
    "options": {"use_generated_assets", "distribution_mode", "level_seed_low", "level_seed_high"},
    "step": {"is_waiting_for_step"},
    "entity": {"type", "image_type", "image_theme"},
    "view": {"background_index"},
    "world": {"main_width", "main_height", "out_of_bounds_object"},
    "coinrun": {"wall_theme"},
}
"""Int fields ``check_values`` tests on their own (kinds, theme indices, the level-seed range)."""
HARMLESS_INTS = {"step": {"current_level_seed", "prev_level_seed", "fixed_asset_seed"}}
"""Int fields the C++ only uses as random seeds (``fixed_asset_seed`` seeds generated assets, which
CoinRun never draws): any value is safe."""


def _check_ints(records: np.ndarray, what: str) -> None:
    """Every int field of ``records`` named in ``INT_RANGES[what]`` must be in its range."""
    for name, (low, high) in INT_RANGES.get(what, {}).items():
        bad = (records[name] < low) | (records[name] > high)
        if bad.any():
            raise ValueError(f"{what}.{name}={int(records[name][bad][0])} is out of range; CoinRun keeps it in [{low}, {high}]")


def _check_floats(records: np.ndarray, what: str) -> None:
    """Every float field of ``records`` (all fields are 4 bytes) must be finite and in its range."""
    names = [name for name in records.dtype.names if records.dtype[name].kind == "f"]
    columns = [records.dtype.names.index(name) for name in names]
    ranges = FLOAT_RANGES.get(what, {})
    low = np.array([ranges.get(n, (-POSITION_LIMIT, POSITION_LIMIT))[0] for n in names], dtype=np.float32)
    high = np.array([ranges.get(n, (-POSITION_LIMIT, POSITION_LIMIT))[1] for n in names], dtype=np.float32)
    values = records.view("<f4").reshape(len(records), -1)[:, columns]
    bad = ~((values >= low) & (values <= high))
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(
            f"{what}.{names[col]}={float(values[row, col])!r} is out of range; CoinRun keeps it in "
            f"[{float(low[col]):g}, {float(high[col]):g}]"
        )


def check_values(state: CoinRunSavedState) -> None:
    """Raise ValueError if a field the C++ uses as an index, divisor, size, flag, counter or position is out of
    the range CoinRun itself produces."""
    o = state.options[0]
    if o["use_generated_assets"] != 0:
        raise ValueError("use_generated_assets=1 is not supported (procgen cannot save such a game)")
    _check_range(int(o["distribution_mode"]), 0, 1, "distribution_mode (0 easy, 1 hard)")
    low, high = int(o["level_seed_low"]), int(o["level_seed_high"])
    if not 0 <= low < high:
        raise ValueError(f"level_seed_low={low}, level_seed_high={high}: the range of level seeds must be non-empty and non-negative")
    for gen, what in ((state.level_seed_gen, "level_seed_rand_gen"), (state.rand_gen, "rand_gen"), (state.asset_rand_gen, "asset_rand_gen")):
        _check_randgen(gen, what)
    if state.level_seed_gen.is_seeded != 1 or state.rand_gen.is_seeded != 1:
        raise ValueError("level_seed_rand_gen and rand_gen must be seeded (is_seeded=1): the game draws from them every step")
    if state.step["is_waiting_for_step"][0] != 0:
        raise ValueError(f"is_waiting_for_step={state.step['is_waiting_for_step'][0]}; a saved game is never mid-step (0)")
    _check_ints(state.options, "options")
    _check_ints(state.step, "step")
    _check_floats(state.step, "step")
    if state.grid_size != GRID_W * GRID_H:
        raise ValueError(f"grid_size={state.grid_size}; CoinRun's grid has {GRID_W * GRID_H} cells")
    e = state.entities
    for kind, image_type, theme in zip(e["type"].tolist(), e["image_type"].tolist(), e["image_theme"].tolist()):
        if kind not in ENTITY_IMAGES:
            raise ValueError(f"entity type {kind} is not one CoinRun makes; allowed {sorted(ENTITY_TYPES)}")
        if image_type not in ENTITY_IMAGES[kind]:
            raise ValueError(f"entity image_type {image_type} is not one CoinRun draws for entity type {kind}; allowed {list(ENTITY_IMAGES[kind])}")
        themes = min(IMAGE_THEMES[image] for image in ENTITY_IMAGES[kind])
        if not 0 <= theme < themes:
            raise ValueError(f"entity image_theme {theme} is out of range for image_type {image_type}; allowed 0..{themes - 1}")
    _check_ints(e, "entity")
    players = int(np.count_nonzero(e["type"] == PLAYER))
    if players != 1:
        raise ValueError(f"the state has {players} player entities; CoinRun has exactly one")
    player = e[state.player_index]
    if player["will_erase"] != 0 or player["expire_time"] > 0:
        raise ValueError(f"the player is marked for removal (will_erase={player['will_erase']}, expire_time={player['expire_time']})")
    _check_floats(e, "entity")
    v, w, c = state.view[0], state.world[0], state.coinrun[0]
    _check_range(int(v["background_index"]), 0, NUM_BACKGROUNDS - 1, "background_index")
    _check_ints(state.view, "view")
    _check_floats(state.view, "view")
    if (int(w["main_width"]), int(w["main_height"])) != (GRID_W, GRID_H):
        raise ValueError(f"main_width={w['main_width']}, main_height={w['main_height']}; CoinRun's world is 64 x 64")
    if int(w["out_of_bounds_object"]) not in CELL_KINDS:
        raise ValueError(f"out_of_bounds_object={w['out_of_bounds_object']} is not a CoinRun cell kind")
    _check_floats(state.world, "world")
    bad_cell = ~np.isin(state.grid, list(CELL_KINDS))
    if bad_cell.any():
        y, x = np.argwhere(bad_cell)[0]
        raise ValueError(f"grid cell ({x}, {y}) holds {state.grid[y, x]}; CoinRun cells are {sorted(CELL_KINDS)}")
    _check_range(int(c["wall_theme"]), 0, NUM_GROUND_THEMES - 1, "wall_theme")
    _check_ints(state.coinrun, "coinrun")
    _check_floats(state.coinrun, "coinrun")


def check_compatible(state: CoinRunSavedState, options: dict[str, int]) -> None:
    """Raise ValueError unless ``state`` was saved under the game options ``options`` (as returned
    by ``option_values`` of a state of the target env)."""
    mine = state.option_values()
    diff = {k: (mine[k], options[k]) for k in options if mine.get(k) != options[k]}
    if diff:
        text = ", ".join(f"{k}={a} (env has {b})" for k, (a, b) in diff.items())
        raise ValueError(f"this state was saved under other game options: {text}; load it only into an env made with the same options")


def player_xy(data: bytes) -> tuple[float, float]:
    """(x, y) of the player from raw state bytes, without the full check (read-only use)."""
    o = 4
    o += 4 + struct.unpack_from("<i", data, o)[0]
    o += GAME_OPTIONS.itemsize
    for _ in range(2):
        o += 8 + struct.unpack_from("<i", data, o + 4)[0]
    o += STEP.itemsize + 4
    count = struct.unpack_from("<i", data, o)[0]
    o += 4
    for i in range(count):
        x, y = struct.unpack_from("<ff", data, o + i * ENTITY.itemsize)
        if struct.unpack_from("<i", data, o + i * ENTITY.itemsize + 24)[0] == PLAYER:
            return x, y
    raise ValueError("the state has no player entity")


# ---- Level structure and the coin ----------------------------------------------------------


def coin_cells(grid: np.ndarray) -> list[tuple[int, int]]:
    """(x, y) of every coin cell in a (64, 64) grid indexed [y, x]."""
    return [(int(x), int(y)) for y, x in np.argwhere(grid == GOAL)]


def ground_height(grid: np.ndarray) -> np.ndarray:
    """(64,) height of the solid ground of each column: the lowest non-wall row above y = 0."""
    wall = (grid == WALL_MID) | (grid == WALL_TOP)
    return np.argmin(wall, axis=0)


def section_starts(grid: np.ndarray, end_x: int) -> list[tuple[int, int]]:
    """Cells on top of the ground in the first column of each level section, left of ``end_x``.

    The generator builds sections left to right from x = 5; neighbouring sections differ in height,
    and it marks each section boundary with an invisible enemy barrier: one cell left of a section
    at its height (when that cell is free), or, where the section is lower than the previous one,
    in its first column at the previous height. Pit edges inside a section change the height too,
    but carry no barrier.

    Args:
        grid: (64, 64) cells indexed [y, x].
        end_x: column of the level's end (the stock coin).

    Returns:
        list of (x, y), sorted by x, each with ground at y - 1 and a free cell at y.
    """
    g = ground_height(grid)
    starts = []
    for x in range(FIRST_SECTION_X, end_x):
        y = int(g[x])
        if y == int(g[x - 1]) or y >= GRID_H or grid[y, x] not in (SPACE, ENEMY_BARRIER):
            continue
        left_mark = grid[y, x - 1] == ENEMY_BARRIER
        step_down_mark = g[x - 1] > y and grid[min(int(g[x - 1]), GRID_H - 1), x] == ENEMY_BARRIER
        if left_mark or step_down_mark:
            starts.append((x, y))
    return starts


@dataclass(frozen=True)
class CoinEdit:
    """What ``place_coin`` did to a level. Cells are (x, y).

    Attributes:
        level_seed: the level's seed.
        end: the end cell (where the stock coin was).
        coin: where the coin is now (None when removed).
        random_cell: the Langosco random coin cell of this level, moved to or not (None if the
            level has no section left of the end); the good-levels filter watches this cell.
        moved: whether the grid was changed.
    """

    level_seed: int
    end: tuple[int, int]
    coin: tuple[int, int] | None
    random_cell: tuple[int, int] | None
    moved: bool


def coin_is_random(level_seeds, random_fraction: float) -> np.ndarray:
    """With placement "end": (n,) bool, whether each level's coin is moved anyway (a pure
    function of the level seed, so a level is either always or never among the moved ones)."""
    return rng.uniform(np.asarray(level_seeds).reshape(-1), _FRACTION_STREAM, 1)[:, 0] < random_fraction


def random_coin_cell(grid: np.ndarray, end: tuple[int, int], level_seed: int) -> tuple[int, int] | None:
    """The Langosco-style random coin cell of a level (a pure function of grid and seed), or None
    if the level has no section left of the end."""
    candidates = section_starts(grid, end[0])
    if not candidates:
        return None
    u = rng.uniform(np.array([level_seed]), _COIN_STREAM, 1)[0, 0]
    return candidates[min(int(u * len(candidates)), len(candidates) - 1)]


def place_coin(state: CoinRunSavedState, placement: str, random_fraction: float = 0.0) -> CoinEdit:
    """Edit a freshly generated level in place: leave the coin at the end, move it, or remove it.

    Args:
        state: a parsed state at the start of an episode (exactly one coin, at the end).
        placement: "end" (stock game; with ``random_fraction`` > 0 some levels get a random coin),
            "random" (Langosco test rule) or "none" (no coin: the episode can only time out or die).
        random_fraction: with placement "end", the share of levels whose coin is moved (0..1).

    Returns:
        a CoinEdit with the end cell and where the coin is now.
    """
    if placement not in COIN_PLACEMENTS:
        raise ValueError(f"coin_placement={placement!r} is not allowed; use one of {COIN_PLACEMENTS}")
    coins = coin_cells(state.grid)
    if len(coins) != 1:
        raise ValueError(f"a freshly generated CoinRun level has exactly one coin; this state has {len(coins)}")
    end, seed = coins[0], state.level_seed
    random_cell = random_coin_cell(state.grid, end, seed)
    if placement == "end" and not (random_fraction > 0 and coin_is_random(seed, random_fraction)[0]):
        return CoinEdit(seed, end, end, random_cell, moved=False)
    if placement != "none" and random_cell is None:
        return CoinEdit(seed, end, end, random_cell, moved=False)
    state.grid[end[1], end[0]] = ENEMY_BARRIER
    if placement != "none":
        state.grid[random_cell[1], random_cell[0]] = GOAL
    return CoinEdit(seed, end, None if placement == "none" else random_cell, random_cell, moved=True)


def set_level_seed_range(state: CoinRunSavedState, low: int, high: int) -> None:
    """Make the game draw its next level seeds from ``low .. high - 1`` (procgen's
    ``start_level`` and ``start_level + num_levels``)."""
    if not (isinstance(low, (int, np.integer)) and isinstance(high, (int, np.integer)) and 0 <= low < high <= 2**31 - 1):
        raise ValueError(f"level seed range {low!r}..{high!r} must satisfy 0 <= low < high <= {2**31 - 1}")
    state.options["level_seed_low"] = low
    state.options["level_seed_high"] = high

