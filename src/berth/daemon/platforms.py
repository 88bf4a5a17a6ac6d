"""``POST /containers/create?platform=`` (``run --platform``): the image must be of that
platform, as dockerd checks it (a 404 in its words, on which the docker CLI pulls the
platform's image), and berth runs only the host's platform, so that must be it too."""

from berth.errors import InvalidArgument, NotFound
from berth.images.pull import parse_platform
from berth.images.service import ImageService, host_arch
from berth.oci.image import Platform


def _text(p: Platform) -> str:
    return "/".join(part for part in (p.os, p.architecture, p.variant) if part)


def check(images: ImageService, image_name: str, wanted_text: str) -> None:
    wanted = parse_platform(wanted_text, host_arch())
    config = images.resolve(image_name).config
    actual = Platform(str(config.get("architecture") or ""), str(config.get("os") or ""),
                      str(config.get("variant") or ""))
    same = (wanted.os, wanted.architecture) == (actual.os, actual.architecture) and (
        not wanted.variant or wanted.variant == actual.variant)
    if not same:
        raise NotFound(f"image with reference {image_name} was found but does not match the "
                       f"specified platform: wanted {_text(wanted)}, actual: {_text(actual)}")
    host = Platform(host_arch(), "linux")
    if (wanted.os, wanted.architecture) != (host.os, host.architecture):
        raise InvalidArgument(f"image platform {_text(wanted)} cannot run on this host, "
                              f"which is {_text(host)}")
