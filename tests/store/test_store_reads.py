"""The read builders by id (one id: an equality statement; several: an expanding IN) give
exactly the seed's entries, in seed order, and nothing for unknown ids."""
import pytest

from store.serialize import build_orders, build_products, build_users


@pytest.mark.parametrize("kind,build", [("users", build_users), ("orders", build_orders),
                                        ("products", build_products)])
def test_builders_by_ids_equal_the_seed(shared_store, seed_data, kind, build):
    ids = list(seed_data[kind])
    picks = [ids[7], ids[0], "no_such_id", ids[-1]]  # asked out of order, with an unknown id
    with shared_store.engine.connect() as conn:
        several = build(conn, picks)
        one = build(conn, [ids[3]])
        assert build(conn, []) == {} and build(conn, ["no_such_id"]) == {}
    assert list(several) == [i for i in ids if i in picks]  # seed order
    assert several == {i: seed_data[kind][i] for i in several}
    assert one == {ids[3]: seed_data[kind][ids[3]]}


def test_user_look_ups_by_email_and_name_zip(shared_store, seed_data):
    uid, user = next(iter(seed_data["users"].items()))
    assert shared_store.find_user_id_by_email(user["email"].upper()) == uid
    name, zip_code = user["name"], user["address"]["zip"]
    assert shared_store.find_user_id_by_name_zip(name["first_name"].lower(), name["last_name"].upper(),
                                                 f" {zip_code} ") == uid
