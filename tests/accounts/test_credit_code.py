from hypothesis import given
from hypothesis import strategies as st

from accounts.credit_code import ALPHABET, check_character, is_valid


def test_published_example_is_valid():
    assert is_valid("91350100M000100Y43")


def test_wrong_check_character_is_invalid():
    assert not is_valid("91350100M000100Y44")


def test_letters_outside_the_alphabet_are_invalid():
    assert not is_valid("91350100M000100YO3")  # O is not in GB 32100's alphabet


def test_wrong_length_is_invalid():
    assert not is_valid("91350100M000100Y4")


@given(st.text(alphabet=ALPHABET, min_size=9, max_size=9), st.text(alphabet="0123456789", min_size=6, max_size=6),
       st.sampled_from(["91", "92", "11", "51"]))
def test_any_code_with_its_check_character_is_valid_and_one_change_breaks_it(tail, region, head):
    first17 = head + region + tail
    code = first17 + check_character(first17)
    assert is_valid(code)
    wrong = ALPHABET[(ALPHABET.index(code[-1]) + 1) % 31]
    assert not is_valid(code[:-1] + wrong)
