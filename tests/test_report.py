"""Pictures of clusters: the view keeps the structure (a rotation, never a mirror) and shows it well;
the PNG is written. Structures are the committed paper-level records (results/paper/records)."""

from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from compchem.records import read_record
from compchem.report.plots import _overlap, render_cluster, view_coordinates

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "results" / "paper" / "records"


def distances(xyz):
    return np.linalg.norm(xyz[:, None, :] - xyz[None, :, :], axis=-1)


def signed_volume(xyz, i, j, k, m):
    return float(np.dot(xyz[j] - xyz[i], np.cross(xyz[k] - xyz[i], xyz[m] - xyz[i])))


@pytest.mark.parametrize("name", ["Li_PDOL", "Li_PDOL_Im2"])
def test_view_is_a_proper_rotation_about_the_ion(name):
    rec = read_record(RECORDS / f"{name}.json")
    xyz = np.asarray(rec.coordinates_angstrom)
    view = view_coordinates(xyz, rec.symbols)
    assert np.allclose(view[0], 0.0)  # centred on the ion
    assert np.allclose(distances(view), distances(xyz), atol=1e-9)
    # same handedness: a mirror image would flip the sign of every signed volume
    assert np.sign(signed_volume(view, 1, 2, 3, 4)) == np.sign(signed_volume(xyz, 1, 2, 3, 4))
    # the picture plane holds the larger spreads: depth varies least
    untilted = view_coordinates(xyz)
    spread = (untilted - untilted.mean(axis=0)).std(axis=0)
    assert spread[0] >= spread[1] >= spread[2]
    # the tilt chosen hides no more heavy atoms than the plain principal-axes view
    heavy = np.array([s != "H" for s in rec.symbols])
    assert _overlap(view, heavy) <= _overlap(untilted, heavy)


def test_render_writes_a_picture_of_the_cluster(tmp_path):
    rec = read_record(RECORDS / "Li_PDOL_Im2.json")
    path = tmp_path / "c.png"
    render_cluster(rec, path, "Li_PDOL_Im2")
    image = imread(path)
    assert image.shape[0] > 300 and image.shape[1] > 300
    # not blank: the ion's violet (0.49, 0.24, 0.60) is drawn
    rgb = image[..., :3]
    violet = np.all(np.abs(rgb - np.array([0.49, 0.24, 0.6])) < 0.03, axis=-1)
    assert violet.sum() > 500


def test_render_of_a_lone_ion(tmp_path):
    rec = read_record(RECORDS / "Li_ion.json")
    render_cluster(rec, tmp_path / "ion.png")
    assert (tmp_path / "ion.png").stat().st_size > 1000
