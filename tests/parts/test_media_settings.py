from tests.test_settings import run_manage


def test_a_typo_in_a_media_cap_is_named():
    result = run_manage("check", DEBUG="true", PART_VIDEO_MAX_BYTES="200MB")

    assert result.returncode != 0
    assert "PART_VIDEO_MAX_BYTES must be a whole number, not '200MB'" in result.stderr


def test_media_caps_are_read_from_the_environment():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.PART_VIDEO_MAX_BYTES)",
        DEBUG="true",
        PART_VIDEO_MAX_BYTES="5000000",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "5000000"
