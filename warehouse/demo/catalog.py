"""The app catalog of the demo ad exports: bundle ids, store categories, OS versions.

Built once from a fixed seed, so every demo export (whatever its own seed) shows the
same apps; popularity follows a Zipf law, as real ad traffic does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

CATALOG_SEED = 20260901
N_BUNDLES = 3000
NO_CATEGORY_SHARE = 0.03  # bundles the store data does not cover: empty categories

# gamecategory | subgamecategory | share of bundles | words used in bundle names
_SUBCATEGORY_TABLE = """
Games|Puzzle|0.12|puzzle jigsaw block sudoku mahjong tiles match3 gem jewel cube color art water sort nonogram
Games|Casual|0.11|bubble candy farm garden home cafe cooking merge idle tap scapes mania story saga cat
Games|Arcade|0.08|jump run dash helix stack flappy ball snake shooter rope birds io hole knife
Games|Simulation|0.06|city tycoon sim farm hospital hotel truck builder life business empire
Games|Action|0.06|war shooter sniper strike battle zombie hero ninja legends arena gun
Games|Strategy|0.06|clash kingdom empire tower defense conquest throne heroes war tactics clans
Games|Racing|0.04|racing drift moto car asphalt rally speed hill climb traffic rider
Games|Word|0.04|word crossword scrabble letters wordscapes anagram spelling slovo balda
Games|Board|0.03|chess checkers backgammon nardy domino ludo lotto monopoly shashki
Games|Card|0.03|solitaire durak klondike spider poker cards freecell pyramid king
Games|Casino|0.02|slots casino vegas jackpot bingo roulette spin fortune
Games|Role Playing|0.03|quest rpg dungeon legend raid dragon magic fantasy heroes
Games|Sports|0.03|football soccer hockey basketball golf tennis fifa league penalty
Games|Kids|0.04|kids baby toddler learning abc numbers coloring princess dino toca talking tom
Education|Kids|0.03|kids school abc alphabet math reading preschool bukvar learn
Lifestyle|Parenting|0.025|baby pregnancy mom kids tracker sleep feeding diary family mama
Lifestyle|Pets|0.025|pet dog cat puppy kitty vet zoo care paws petshop
Lifestyle|Beauty|0.025|beauty makeup nails hair salon style selfie filter face glam
Shopping|Shopping|0.03|shop market store sale deals cashback coupons fashion mall
Food & Drink|Food & Drink|0.025|food recipes delivery pizza sushi eda kitchen chef coffee
Entertainment|Music|0.03|music player radio karaoke piano beats tiles mp3 songs
Entertainment|Video|0.03|video movies tv cinema stream kino serials player
Sports|Sports|0.02|sport scores football hockey live bets matches fitness
Social|Social|0.03|chat messenger social friends dating meet stories community
Tools|Tools|0.03|vpn cleaner battery flashlight scanner browser keyboard launcher
Health & Fitness|Fitness|0.02|fitness workout yoga steps diet calories health running
News|News|0.015|news daily headlines lenta novosti weather today
Books|Books|0.015|books reader audiobooks library stories litres novels
"""
SUBCATEGORIES: list[tuple[str, str, float, tuple[str, ...]]] = [
    (g, s, float(share), tuple(words.split()))
    for g, s, share, words in (line.split("|") for line in _SUBCATEGORY_TABLE.strip().splitlines())
]

# developer prefix | weight | subcategories it publishes in (* = any)
_DEVELOPER_TABLE = """
com.playrix|6.0|Casual,Puzzle,Simulation
com.king|5.0|Casual,Puzzle
com.nexters|4.0|Strategy,Role Playing,Puzzle
com.supercell|4.0|Strategy,Action,Casual
ru.yandex|5.0|Tools,Music,News,Video,Food & Drink,Shopping
com.vkontakte|4.0|Social,Music,Video
com.outfit7|4.0|Kids,Casual,Pets
com.rovio|3.0|Arcade,Puzzle,Casual
com.ZeptoLab|2.0|Puzzle,Arcade,Kids
com.zeptolab|2.0|Puzzle,Arcade,Strategy
com.gameloft|3.0|Racing,Action,Sports
com.ketchapp|3.0|Arcade,Casual
com.voodoo|3.0|Arcade,Casual,Simulation
net.wooga|2.0|Puzzle,Casual
com.mobile.legends|2.0|Action,Strategy,Role Playing
com.miniclip|2.0|Sports,Arcade,Card
com.halfbrick|1.5|Arcade
com.kiloo|1.0|Arcade
com.easybrain|2.0|Puzzle,Word,Board
com.saygames|2.0|Arcade,Simulation,Casual
com.azurgames|2.0|Action,Racing,Arcade
com.fingersoft|1.0|Racing
com.bigfishgames|1.5|Casual,Casino,Puzzle
com.g5e|1.0|Puzzle,Casual
com.budgestudios|1.5|Kids,Pets
com.tutotoons|2.0|Kids,Pets,Beauty
com.sinyee.babybus|1.5|Kids
com.tocaboca|1.0|Kids
com.crazylabs|1.5|Arcade,Casual,Beauty
com.socialquantum|1.0|Simulation,Casual
ru.mail|2.0|Social,Tools,Action
ru.ok.android|1.0|Social,Video
ru.wildberries|1.5|Shopping
ru.ozon.app|1.0|Shopping
com.avito|1.0|Shopping
ru.litres|1.0|Books
ru.kinopoisk|1.0|Video
com.sportsru|1.0|Sports
com.ea.game|1.5|Sports,Racing,Action
com.innersloth|0.5|Action
com.vottak|1.0|*
com.appsgeyser|1.0|*
"""
DEVELOPERS: list[tuple[str, tuple[str, ...] | None, float]] = [
    (name, None if subs == "*" else tuple(subs.split(",")), float(weight))
    for name, weight, subs in (line.split("|") for line in _DEVELOPER_TABLE.strip().splitlines())
]
GENERIC_DEV_WORDS = "fun mega happy smart pixel magic star blue red lucky tiny bright cool top best family soft apps mobi lab".split()
GENERIC_DEV_FORMS = (
    "com.{w}games",
    "com.{w}studio",
    "com.{w}.apps",
    "ru.{w}soft",
    "io.{w}",
    "net.{w}mobile",
    "com.{w}{v}",
)
SUFFIX_WORDS = "free classic pro hd 3d online lite 2 plus world new game".split()
PLATFORM_TAILS = "android gp google free gplay global ru".split()

# Apps everybody knows, kept verbatim: bundle | subcategory.
_FAMOUS_TABLE = """
com.playrix.gardenscapes|Casual
com.playrix.homescapes|Casual
com.playrix.township|Simulation
com.playrix.fishdomdd.gplay|Puzzle
com.king.candycrushsaga|Casual
com.king.candycrushsodasaga|Casual
com.nexters.art.water.color|Puzzle
com.nexters.herowars|Role Playing
com.supercell.clashofclans|Strategy
com.supercell.brawlstars|Action
com.supercell.hayday|Casual
com.ZeptoLab.CutTheRopeFree|Puzzle
com.zeptolab.ctr2.f2p.google|Puzzle
com.outfit7.mytalkingtom2|Kids
com.outfit7.mytalkingangelafree|Kids
com.rovio.baba|Arcade
com.gameloft.android.ANMP.GloftA9HM|Racing
com.ketchapp.stack|Arcade
com.mobile.legends|Action
com.vkontakte.android|Social
ru.yandex.music|Music
ru.yandex.weatherplugin|News
ru.yandex.searchplugin|Tools
com.fingersoft.hillclimb|Racing
com.easybrain.sudoku.android|Puzzle
com.tutotoons.app.pet_doctor|Pets
ru.wildberries.ru|Shopping
com.avito.android|Shopping
"""
FAMOUS: list[tuple[str, str]] = [
    tuple(line.split("|")) for line in _FAMOUS_TABLE.strip().splitlines()
]

ANDROID_VERSIONS = {
    "7.0": 1,
    "8.0.0": 2,
    "8.1.0": 3,
    "9": 4,
    "9.0": 3,
    "10": 12,
    "11": 15,
    "12": 16,
    "13": 20,
    "14": 16,
    "15": 8,
}
IOS_VERSIONS = {
    "14.4.1": 2,
    "14.8": 2,
    "15.2": 3,
    "15.7": 4,
    "16.0": 3,
    "16.3.1": 4,
    "16.6": 6,
    "17.0.3": 5,
    "17.2": 7,
    "17.5.1": 10,
    "18.0": 8,
    "18.1.1": 12,
    "18.3": 14,
}


@dataclass(frozen=True)
class Catalog:
    """Bundles (most popular first) with their store category, and OS versions."""

    bundles: list[str]
    subcategory: np.ndarray  # index into SUBCATEGORIES per bundle, -1 = no category
    popularity: np.ndarray  # share of ad requests each bundle gets overall
    gamecategories: list[str]
    subgamecategories: list[str]
    gamecategory_index: np.ndarray  # per SUBCATEGORIES entry: index into gamecategories
    subgamecategory_index: np.ndarray  # per SUBCATEGORIES entry: index into subgamecategories
    os_versions: dict[str, tuple[list[str], np.ndarray]]


def _camel(words: list[str]) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words)


def _suffix(rng: np.random.Generator, words: tuple[str, ...]) -> str:
    k = int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
    picked = list(rng.choice(words, size=k, replace=False))
    if rng.random() < 0.3:
        picked.append(str(rng.choice(SUFFIX_WORDS)))
    style = rng.random()
    if style < 0.45:
        text = ".".join(picked)
    elif style < 0.7:
        text = "".join(picked)
    elif style < 0.85:
        text = _camel(picked)
    else:
        text = "_".join(picked)
    if rng.random() < 0.15:
        text += "." + str(rng.choice(PLATFORM_TAILS))
    return text


def _developers(rng: np.random.Generator) -> list[tuple[str, tuple[str, ...] | None, float]]:
    devs = list(DEVELOPERS)
    seen = {d[0] for d in devs}
    while len(devs) < 260:
        form = str(rng.choice(GENERIC_DEV_FORMS))
        name = form.format(w=rng.choice(GENERIC_DEV_WORDS), v=rng.choice(GENERIC_DEV_WORDS))
        if name not in seen:
            seen.add(name)
            devs.append((name, None, 0.3))
    return devs


@lru_cache(maxsize=1)
def build_catalog() -> Catalog:
    """The demo app catalog; the same for every call and every export seed."""
    rng = np.random.default_rng(CATALOG_SEED)
    sub_names = [s[1] for s in SUBCATEGORIES]
    shares = np.array([s[2] for s in SUBCATEGORIES])
    shares /= shares.sum()
    devs = _developers(rng)
    bundles = [b for b, _ in FAMOUS]
    subcats = [sub_names.index(s) for _, s in FAMOUS]
    seen = set(bundles)
    while len(bundles) < N_BUNDLES:
        sub = int(rng.choice(len(SUBCATEGORIES), p=shares))
        fits = [d for d in devs if d[1] is None or SUBCATEGORIES[sub][1] in d[1]]
        weights = np.array([d[2] for d in fits])
        prefix = fits[int(rng.choice(len(fits), p=weights / weights.sum()))][0]
        bundle = f"{prefix}.{_suffix(rng, SUBCATEGORIES[sub][3])}"
        if bundle not in seen:
            seen.add(bundle)
            bundles.append(bundle)
            subcats.append(sub)
    subcategory = np.array(subcats, dtype=np.int16)
    # Famous apps keep the top ranks; the rest are shuffled into a Zipf tail.
    order = np.concatenate(
        [np.arange(len(FAMOUS)), len(FAMOUS) + rng.permutation(N_BUNDLES - len(FAMOUS))]
    )
    bundles = [bundles[i] for i in order]
    subcategory = subcategory[order]
    no_category = rng.random(N_BUNDLES) < NO_CATEGORY_SHARE
    no_category[: len(FAMOUS)] = False
    subcategory[no_category] = -1
    popularity = 1.0 / np.arange(1, N_BUNDLES + 1) ** 1.05
    popularity /= popularity.sum()

    gamecategories = sorted({s[0] for s in SUBCATEGORIES})
    subgamecategories = sorted({s[1] for s in SUBCATEGORIES})
    return Catalog(
        bundles=bundles,
        subcategory=subcategory,
        popularity=popularity,
        gamecategories=gamecategories,
        subgamecategories=subgamecategories,
        gamecategory_index=np.array([gamecategories.index(s[0]) for s in SUBCATEGORIES]),
        subgamecategory_index=np.array([subgamecategories.index(s[1]) for s in SUBCATEGORIES]),
        os_versions={
            "android": (list(ANDROID_VERSIONS), _normalised(ANDROID_VERSIONS)),
            "ios": (list(IOS_VERSIONS), _normalised(IOS_VERSIONS)),
        },
    )


def _normalised(weights: dict[str, float]) -> np.ndarray:
    values = np.array(list(weights.values()), dtype=float)
    return values / values.sum()
