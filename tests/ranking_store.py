"""A small store for ranking tests and the notebook: professors, papers and homepages that we
wrote ourselves, dated relative to ``AS_OF``."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from profscout.core.store import connect, transaction

AS_OF = date(2026, 6, 1)

INSTITUTIONS = [
    # name, region, country, latitude, longitude
    ("ETH Zurich", "europe", "ch", 47.376, 8.548),
    ("Massachusetts Institute of Technology", "us", "us", 42.360, -71.094),
    ("University of Edinburgh", "europe", "uk", 55.944, -3.189),
    ("Carnegie Mellon University", "us", "us", 40.443, -79.943),
    ("Tsinghua University", "asia", "cn", None, None),
]

R, V, L, T, C = (
    "reinforcement learning robot manipulation grasping policy",
    "image segmentation vision convolutional",
    "language models machine translation text",
    "graph algorithms approximation complexity",
    "cryptography lattice encryption protocols",
)

# key, name, institution, scholar id, homepage facts or None, papers [(days ago, title, abstract)]
PROFESSORS = [
    ("Alice Roboto", "Alice Roboto", "ETH Zurich", "aliceR1",
     {"emails": "alice@ethz.example", "interests": "robot learning and dexterous manipulation",
      "lab_name": "Robot Learning Lab", "recruiting": "yes",
      "recruiting_evidence": "I am looking for PhD students in robot learning.",
      "links": {"dblp": "https://dblp.org/pid/00/0001.html"}},
     [(20, "Deep reinforcement learning for robot manipulation",
       "We train manipulation policies with deep reinforcement learning on a real robot arm."),
      (80, "Tactile grasping with learned policies",
       "Grasping unknown objects with tactile sensing and reinforcement learning."),
      (150, "Sim-to-real transfer for dexterous manipulation",
       "Policies trained in simulation transfer to a real dexterous robot hand."),
      (400, "Robot manipulation benchmarks", "A benchmark of manipulation tasks for robots.")]),
    ("Bruno Greifer", "Bruno Greifer", "ETH Zurich", None,
     {"emails": "bruno@ethz.example", "interests": "", "recruiting": "no",
      "recruiting_evidence": "I am not taking new students."},
     [(40, "Reinforcement learning for robot grasping in clutter",
       "A robot learns grasping policies with reinforcement learning in cluttered scenes."),
      (200, "Manipulation planning with learned models",
       "Model-based reinforcement learning for robot manipulation planning.")]),
    ("Carla Arm", "Carla Arm", "ETH Zurich", None, None,
     [(60, "Learning robot manipulation from demonstrations",
       "Imitation and reinforcement learning let a robot arm learn manipulation skills.")]),
    ("Dan Pixel", "Dan Pixel", "Massachusetts Institute of Technology", "danP", None,
     [(30, "Image segmentation with convolutional networks",
       "Semantic image segmentation with convolutional neural networks for vision."),
      (90, "Self-supervised vision pretraining",
       "Self-supervised learning of visual features for image segmentation.")]),
    ("Eve Wordsmith", "Eve Wordsmith", "University of Edinburgh", None,
     {"emails": "=HYPERLINK(\"http://evil.example\")", "interests": "machine translation",
      "lab_name": "+Language Lab"},
     [(10, "Machine translation with large language models",
       "Large language models translate text between languages."),
      (50, "Evaluating language models on text generation",
       "We evaluate language models for text generation and translation.")]),
    ("Frank Oldbot", "Frank Oldbot", "Carnegie Mellon University", None, None,
     [(1500, "Reinforcement learning for robot manipulation",
       "Early work on reinforcement learning for robot manipulation and grasping.")]),
    ("Grace Graph", "Grace Graph", "Massachusetts Institute of Technology", None, None,
     [(45, "Approximation algorithms for graph problems",
       "Graph algorithms with approximation guarantees and complexity bounds.")]),
    ("Heidi Lattice", "Heidi Lattice", "Tsinghua University", None, None,
     [(25, "Lattice-based encryption protocols",
       "Cryptography protocols built on lattice problems for encryption.")]),
    ("Ivan Interests", "Ivan Interests", "Carnegie Mellon University", None,
     {"emails": "ivan@cmu.example", "interests": "robot manipulation and reinforcement learning",
      "recruiting": ""},
     []),
]


def build_store(path: str | Path, as_of: date = AS_OF) -> Path:
    """Create the store at ``path`` filled with the rows above; return its path."""
    path = Path(path)
    conn = connect(path)
    n = 0
    with transaction(conn):
        conn.executemany("INSERT INTO institutions VALUES (?, ?, ?, ?, ?)", INSTITUTIONS)
        for pid, (key, name, inst, scholar, home, papers) in enumerate(PROFESSORS, start=1):
            conn.execute(
                "INSERT INTO professors (id, key, name, institution, homepage, scholar_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (pid, key, name, inst, f"http://home.example/{pid}", scholar))
            conn.execute("INSERT INTO professor_aliases VALUES (?, ?, ?)", (pid, key, name))
            if home is not None:
                conn.execute(
                    "INSERT INTO homepages (professor_id, url, final_url, state, emails, "
                    "interests, lab_name, recruiting, recruiting_evidence, links_json, "
                    "fetched_at) VALUES (?, ?, ?, 'ok', ?, ?, ?, ?, ?, ?, ?)",
                    (pid, f"http://home.example/{pid}", f"http://home.example/{pid}/",
                     home.get("emails", ""), home.get("interests", ""),
                     home.get("lab_name", ""), home.get("recruiting", ""),
                     home.get("recruiting_evidence", ""), json.dumps(home.get("links", {})),
                     as_of.isoformat()))
            for days, title, abstract in papers:
                n += 1
                arxiv_id = f"26{n:02d}.{10000 + n}"
                published = (as_of - timedelta(days=days)).isoformat()
                conn.execute(
                    "INSERT INTO papers (arxiv_id, title, abstract, authors_json, categories, "
                    "primary_category, published) VALUES (?, ?, ?, ?, 'cs.RO cs.LG', 'cs.RO', ?)",
                    (arxiv_id, title, abstract, json.dumps([name]), published))
                conn.execute(
                    "INSERT INTO authorships VALUES (?, ?, ?, 0.9, 'test')",
                    (pid, arxiv_id, name))
    conn.close()
    return path


def run_cli(argv: list[str]) -> int:
    """Run ``profscout argv`` in this process as the console script does; the exit code.

    Output goes to the real stdout/stderr (read it with ``capsys``);
    :func:`tests.helpers.invoke` returns it instead.
    """
    from profscout.cli.app import main

    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
