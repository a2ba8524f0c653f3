"""Checkout ids and created-tokens (devparity.identity): pure, no engine."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from devparity import identity
from devparity.engine import LABEL_CHECKOUT, LABEL_CONFIG, LABEL_CREATED, LABEL_PROJECT, LABEL_ROLE
from devparity.engine.models import ContainerInfo
from devparity.identity import CHECKOUT, OTHER, OURS

KEY = b"k" * 32
CHECKOUT_ID = "0123456789ab"


def labels(role: str = "dev", checkout: str = CHECKOUT_ID, project: str = "shop") -> dict[str, str]:
    return {LABEL_PROJECT: project, LABEL_CHECKOUT: checkout, LABEL_ROLE: role, LABEL_CONFIG: "/src/shop/devparity.toml"}


def image_labels(checkout: str = CHECKOUT_ID) -> dict[str, str]:
    """What devparity's image carries: every container of it inherits these."""
    return {LABEL_PROJECT: "shop", LABEL_CHECKOUT: checkout, LABEL_CONFIG: "/src/shop/devparity.toml"}


def owner(container: dict[str, str], image: dict[str, str] | None = None, secret: bytes = KEY) -> str:
    return identity.owner(container, image_labels() if image is None else image, checkout=CHECKOUT_ID, secret=secret)


def test_checkout_id_is_stable_per_root_and_differs_between_clones(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    assert identity.checkout_id(a) == identity.checkout_id(a) == identity.checkout_id(tmp_path / "x" / ".." / "a")
    assert identity.checkout_id(a) != identity.checkout_id(b)
    assert len(identity.checkout_id(a)) == 12 and int(identity.checkout_id(a), 16) >= 0


def test_a_container_devparity_created_is_ours() -> None:
    assert owner(identity.stamp(labels(), KEY)) == OURS


def test_each_create_gets_a_fresh_nonce() -> None:
    assert identity.stamp(labels(), KEY)[LABEL_CREATED] != identity.stamp(labels(), KEY)[LABEL_CREATED]


def test_a_container_that_merely_runs_the_image_is_foreign() -> None:
    # `docker run` of devparity's image: every label inherited, no token
    assert owner(image_labels()) == OTHER
    # ... even with a role label added by hand
    assert owner({**image_labels(), LABEL_ROLE: "dev"}) == OTHER


def test_a_token_equal_to_the_images_is_inherited_and_foreign() -> None:
    # `docker commit` of one of ours: the image now carries the token too
    ours = identity.stamp(labels(), KEY)
    assert owner(ours, {**image_labels(), LABEL_CREATED: ours[LABEL_CREATED]}) == OTHER


@pytest.mark.parametrize(
    "mutate",
    [
        lambda v: v[:-1] + ("0" if v[-1] != "0" else "1"),  # a wrong HMAC
        lambda v: "prod" + v[3:],  # another role than the one signed
        lambda v: v.split(":")[0] + ":" + "f" * 16 + ":" + v.split(":")[2],  # another nonce
        lambda v: v.rsplit(":", 1)[0],  # no HMAC at all
        lambda v: "",
        lambda v: "dev::",
        lambda v: "dev:x:y:z",
    ],
)
def test_a_forged_or_damaged_token_is_foreign(mutate: object) -> None:
    ours = identity.stamp(labels(), KEY)
    assert owner({**ours, LABEL_CREATED: mutate(ours[LABEL_CREATED])}) == OTHER  # type: ignore[operator]


def test_a_token_made_with_another_key_is_foreign() -> None:
    assert owner(identity.stamp(labels(), b"x" * 32)) == OTHER


def test_a_token_does_not_survive_a_relabelled_role_project_or_checkout() -> None:
    ours = identity.stamp(labels(), KEY)
    assert owner({**ours, LABEL_ROLE: "prod"}) == OTHER
    assert owner({**ours, LABEL_PROJECT: "other"}) == OTHER


def test_another_checkouts_container_is_foreign_and_says_where() -> None:
    theirs = identity.stamp(labels(checkout="fedcba987654"), KEY)
    assert owner(theirs, image_labels("fedcba987654")) == CHECKOUT
    # made by another user (another key): still recognisably another checkout's
    assert owner(identity.stamp(labels(checkout="fedcba987654"), b"y" * 32)) == CHECKOUT
    f = identity.Foreign(ContainerInfo.from_summary({"Id": "x"}), CHECKOUT, "/src/other\n::error::x/devparity.toml")
    assert "another checkout" in f.describe() and "\n" not in f.describe()


def test_another_checkouts_image_run_by_a_stranger_is_other() -> None:
    assert owner(image_labels("fedcba987654"), image_labels("fedcba987654")) == OTHER


def test_printable_escapes_control_characters() -> None:
    assert identity.printable("a\nb\x1b[31mc\té") == "a\\nb\\x1b[31mc\\té"


def test_the_key_is_made_once_private_and_replaced_when_damaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVPARITY_CACHE_DIR", str(tmp_path))
    first = identity.key()
    path = tmp_path / "identity" / identity.KEY_FILE
    assert len(first) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    identity._key_at.cache_clear()
    assert identity.key() == first
    path.write_text("not hex\n")
    identity._key_at.cache_clear()
    second = identity.key()
    assert len(second) == 32 and second != first
    assert sorted(os.listdir(path.parent)) == [identity.KEY_FILE]  # no temp file left


def test_an_unwritable_cache_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from devparity.errors import UsageError

    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("DEVPARITY_CACHE_DIR", str(blocker / "sub"))
    identity._key_at.cache_clear()
    with pytest.raises(UsageError):
        identity.key()
