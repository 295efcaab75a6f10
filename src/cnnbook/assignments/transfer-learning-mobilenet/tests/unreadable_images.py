from otter.test_files import test_case

OK_FORMAT = False

name = "unreadable_images"
points = 3

@test_case(points=None, hidden=False)
def test_unreadable_images_finds_a_jpeg_cut_short(unreadable_images, np):
    import io
    import tempfile
    from pathlib import Path
    from PIL import Image
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format='JPEG')
    photo = buffer.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ('a', 'b'):
            (root / name).mkdir()
            (root / name / 'good.jpg').write_bytes(photo)
        (root / 'a' / 'cut_short.jpg').write_bytes(photo[:len(photo) // 2])
        found = unreadable_images(root)
    assert found == ['a/cut_short.jpg'], f"one good JPEG per class and one JPEG cut short in a/ should give ['a/cut_short.jpg'], not {found!r}"

