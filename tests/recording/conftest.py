import pytest


@pytest.fixture(autouse=True)
def recording_dir(settings, tmp_path):
    settings.RECORDING_DIR = tmp_path / "recordings"
    return settings.RECORDING_DIR
