import pytest

from parts.media import check_image, check_video
from parts.services import part_create
from tests.parts.media_files import image_upload, video_upload


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores uploads in its own empty MEDIA_ROOT."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.PART_DRAFT_ROOT = tmp_path / "drafts"  # files kept from a refused form
    return root


@pytest.fixture
def make_part(engineer):
    """Create a part through the service, optionally with real media."""

    def make(part_no="EICS112_Part", model_no="EICS112", *, with_media=False, **media):
        if with_media:
            media.setdefault("part_image", check_image(image_upload("part.png")))
            media.setdefault("form_image", check_image(image_upload("form.jpg", "JPEG")))
            media.setdefault("qc_video", check_video(video_upload("qc.webm", "webm")))
            media.setdefault("testing_video", check_video(video_upload("test.mp4", "mp4")))
        return part_create(created_by=engineer, model_no=model_no, part_no=part_no, **media)

    return make
