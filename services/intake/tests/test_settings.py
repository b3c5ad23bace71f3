import base64

import pytest
from homeward_intake.settings import IntakeSettings

NOWHERE = "postgresql://nobody@127.0.0.1:1/none"
KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()


def test_the_lead_match_key_survives_a_master_key_rotation():
    before = IntakeSettings(database_url=NOWHERE, master_key=KEY_A, lead_match_key=KEY_B)
    after = IntakeSettings(
        database_url=NOWHERE,
        master_key=KEY_B,
        previous_master_keys=[KEY_A],
        lead_match_key=KEY_B,
    )
    assert before.lead_match_secret == after.lead_match_secret == b"b" * 32


def test_without_its_own_key_the_match_key_follows_the_master_key():
    a = IntakeSettings(database_url=NOWHERE, master_key=KEY_A)
    b = IntakeSettings(database_url=NOWHERE, master_key=KEY_B)
    assert a.lead_match_secret != b.lead_match_secret
    assert a.lead_match_secret not in (b"a" * 32, b"b" * 32)


def test_a_short_lead_match_key_is_refused():
    s = IntakeSettings(database_url=NOWHERE, lead_match_key=base64.b64encode(b"x" * 8).decode())
    with pytest.raises(ValueError, match="LEAD_MATCH_KEY"):
        _ = s.lead_match_secret
