"""Chapter 'MobileNet': the figures it prints in smoke mode."""

import re

import nbformat
import pytest
from conftest import ROOT, assert_diagram

CHAPTER = "chapters/case-studies/mobilenet.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_normal_vs_separable_on_the_6x6x3_example(run):
    run.assert_printed(
        "normal convolution: 2,160 multiplications",
        "depthwise step: 4*4*3 outputs x 9 products = 432",
        "pointwise step: 4*4*5 outputs x 3 products = 240",
        "separable total: 432 + 240 = 672",
        "ratio: 672 / 2,160 = 0.311",
        "theory for the example: 1/5 + 1/3^2 = 0.311",
    )
    # the independent count on Keras layers; the depthwise output keeps 3 channels
    run.assert_printed(
        "depthwise: kernel (3, 3, 3, 1), output (4, 4, 3), 432 multiplications",
        "Keras layers: normal 2,160, separable 672: equal to",
        "f = 3, n_c' = 512: ratio 0.113, 8.8 times fewer multiplications",
    )


def test_measured_speedups_are_reported_next_to_theory(run):
    table = re.search(
        r"channels\s+theory speed-up\s+measured speed-up.*?\n-+.*?\n((?:.+\n?)+)", run.text
    )
    assert table
    rows = [line.split() for line in table.group(1).strip().splitlines()]
    assert len(rows) >= 2
    for channels, theory, measured, *_ in rows:
        assert float(theory) == pytest.approx(1 / (1 / int(channels) + 1 / 9), rel=0.02)
        assert float(measured) > 0


def test_mobilenet_v1_built_and_counted(run):
    run.assert_printed(
        "MobileNet v1 at 224x224: 13 separable blocks",
        "parameters: ours 4,253,864, keras.applications.MobileNet 4,253,864: equal",
        "top: GlobalAveragePooling2D -> Dropout -> Conv2D -> Reshape -> Activation",
        "whole network: 568,740,352 multiplications per image",
    )


def test_mobilenet_v2_blocks_memory_and_keras_equality(run):
    run.assert_printed(
        "channels: 24 -> 144 -> 144 -> 24",
        "17 bottleneck blocks, 10 with a residual connection",
        "then a 1x1 convolution to 1,280 channels",
        "MobileNet v2: largest tensor inside a block  1,204,224 numbers",
        "MobileNet v2: largest tensor between blocks  200,704 numbers",
        "with the top   : ours 3,538,984, Keras 3,538,984: equal",
        "without the top: ours 2,257,984, Keras 2,257,984: equal",
        "MobileNet v2: 300,774,272 multiplications per image (v1: 568,740,352)",
    )


def test_imagenet_weights_give_identical_features(run):
    if "No ImageNet weights available" in run.text:
        pytest.skip("no local ImageNet weights")
    run.assert_printed("copied the weights of 104 layers", "identical features: True")


def test_figures(run):
    assert run.images >= 3


def prose() -> str:
    """The chapter's markdown, whitespace collapsed (phrases may wrap across lines)."""
    nb = nbformat.read(ROOT / CHAPTER, as_version=4)
    return " ".join(" ".join(c.source for c in nb.cells if c.cell_type == "markdown").split())


MB_CLAIMS = (
    "the measured speed-up falls short of the multiplication count at every width",
    "the separable convolution is faster than the normal one",
    "the depthwise step takes a larger share of the time than of the multiplications",
)


def speedup_rows(run):
    table = re.search(
        r"channels\s+theory speed-up\s+measured speed-up.*?\n-+.*?\n((?:.+\n?)+)", run.text
    )
    assert table
    return [line.split() for line in table.group(1).strip().splitlines()]


def test_grouped_convolution_with_one_group_per_channel_is_depthwise(run):
    run.assert_printed(
        "grouped: kernel (3, 3, 1, 3), 27 weights",
        "depthwise: kernel (3, 3, 3, 1), 27 weights",
    )
    gap = re.search(r"grouped \(groups=3\) vs depthwise, max abs difference: (\S+)", run.text)
    assert gap and float(gap.group(1)) < 1e-5
    assert "a grouped convolution with one group per channel" in prose()


def test_speedup_claims_printed_and_not_checked_in_smoke_mode(run):
    run.assert_printed("timed on the CPU, ")
    run.assert_claims(*MB_CLAIMS, checked=False)


def test_prose_on_hardware_aware_design_and_prior_work():
    text = prose()
    assert "searched or tuned with the hardware" not in text
    assert "MobileNet v2, below, was still designed by hand" in text
    assert "MnasNet" in text and "MobileNet v3" in text
    assert "not for the latency of any device" in text
    assert "Sifre (2014)" in text and "Xception" in text


def test_full_mode_claims_hold(full_executed):
    run = full_executed(CHAPTER)
    run.assert_claims(*MB_CLAIMS, checked=True)
    run.assert_claims("at 128 and 256 channels", checked=True)
    run.assert_printed("median of 7 rounds, 5 calls per side each")
    rows = speedup_rows(run)
    assert [int(r[0]) for r in rows] == [32, 64, 128, 256]
    for _, theory, measured, *_ in rows:
        assert float(measured) < float(theory)


def test_the_chapter_shows_its_diagrams_drawn_from_the_models(run):
    assert_diagram(
        run, "MobileNet v1: a depthwise-separable block", ["Depthwise 3x3/2", "56×56×128"]
    )
    assert_diagram(run, "MobileNet v2: an inverted residual block", ["demo_project", "56×56×144"])


# --- From the notebook to a phone ----------------------------------------------------------------

SHIPPED_FORMS = ["Keras .keras", "TF SavedModel", "LiteRT float32", "LiteRT float16", "LiteRT int8"]


def shipped_rows(run) -> dict[str, dict]:
    """The export table: format -> its figures (KB, accuracy, ms, max prob diff, same class)."""
    table = re.search(
        r"format\s+file KB\s+test accuracy\s+per photo \(1 thread\)\s+max \|prob diff\|\s+"
        r"same class\n-[- ]+\n((?:.+\n?){5})",
        run.text,
    )
    assert table, "no export table printed"
    rows = {}
    for line in table.group(1).strip().splitlines():
        *name, kb, accuracy, ms, _ms, diff, same = line.split()
        rows[" ".join(name)] = {
            "kb": int(kb.replace(",", "")),
            "accuracy": float(accuracy),
            "ms": float(ms),
            "diff": float(diff),
            "same": float(same.rstrip("%")) / 100,
        }
    return rows


def int8_drop(run) -> tuple[float, float, float]:
    found = re.search(
        r"int8 accuracy drop: (\S+) \(Keras\) - (\S+) \(int8\) = (-?\S+): \d+ (fewer|more) of "
        r"the ([\d,]+) test photos right",
        run.text,
    )
    assert found, "the int8 accuracy drop is not reported"
    keras_acc, int8_acc, drop = (float(found.group(i)) for i in (1, 2, 3))
    assert drop == pytest.approx(keras_acc - int8_acc, abs=1.5e-3)
    return keras_acc, int8_acc, drop


def test_the_shipped_model_table_is_printed_with_every_form(run):
    rows = shipped_rows(run)
    assert list(rows) == SHIPPED_FORMS
    for form in ("Keras .keras", "TF SavedModel", "LiteRT float32"):
        assert rows[form]["diff"] <= 1e-4 and rows[form]["same"] == 1.0, form
    assert rows["LiteRT float16"]["diff"] <= 0.15
    # smaller formats are smaller files; every form was timed
    assert rows["LiteRT int8"]["kb"] < rows["LiteRT float16"]["kb"] < rows["LiteRT float32"]["kb"]
    assert all(row["ms"] > 0 for row in rows.values())
    run.assert_printed(
        "   keras: max |prob diff| <= 0.0001",
        " float32: max |prob diff| <= 0.0001",
        "    int8: nothing checked",  # smoke: a barely trained head's near-ties may flip
        "signs.keras, signs_saved_model, signs_float32.tflite, signs_float16.tflite, "
        "signs_int8.tflite",
        "first layer: Rescaling, scale 0.007843 (1/127.5), offset -1",
    )


def test_the_int8_accuracy_drop_is_reported(run):
    keras_acc, int8_acc, _ = int8_drop(run)
    rows = shipped_rows(run)
    assert rows["LiteRT int8"]["accuracy"] == pytest.approx(int8_acc, abs=1e-3)
    assert rows["Keras .keras"]["accuracy"] == pytest.approx(keras_acc, abs=1e-3)
    assert re.search(r"int8 input: bytes, scale [\d.]+, zero point -?\d+", run.text)


def test_the_photo_gets_the_same_answer_from_every_form(run):
    run.assert_printed("the notebook's answer from both saved forms and float32: True")
    assert re.search(r"and from float16 and int8: (True|False)", run.text)
    for form in ("notebook", *SHIPPED_FORMS):
        assert re.search(rf"{re.escape(form)}: \d \(\d\.\d{{3}}\)", run.text), form


def test_the_shipping_prose_names_what_it_uses():
    text = prose()
    for phrase in (
        "## From the notebook to a phone",
        'model.export(path, format="tf_saved_model")',
        "fresh Python process",
        "representative",
        "never the test split",
        "Jacob et al., 2018",
        "quantisation-aware training",
        "ExportError",
    ):
        assert phrase in text, phrase


def test_full_mode_ships_the_whole_network_within_the_tolerances(full_executed):
    run = full_executed(CHAPTER)
    rows = shipped_rows(run)
    run.assert_printed(
        "309 test photos; Keras in the notebook",
        " float16: max |prob diff| <= 0.15 and same class on >= 98% of the images",
        "    int8: same class on >= 80% of the images",
    )
    assert rows["LiteRT float16"]["same"] >= 0.98
    assert rows["LiteRT int8"]["same"] >= 0.8
    # the whole MobileNetV2: about 2.27 million weights, so megabytes of float32
    assert rows["LiteRT float32"]["kb"] > 8_000
    assert rows["LiteRT int8"]["kb"] < 0.4 * rows["LiteRT float32"]["kb"]
    keras_acc, _, drop = int8_drop(run)
    assert keras_acc > 0.8 and drop < 0.15
