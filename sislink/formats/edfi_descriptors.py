"""Ed-Fi descriptor URIs for stored code values, the reverse of the crosswalks.

The writer turns a California code back into one Ed-Fi descriptor. Where a
crosswalk maps several descriptors to one code, the one in the Ed-Fi Data
Standard 5.2 descriptor set is chosen. Tests check that each choice maps back
to its code through the crosswalk.
"""

from __future__ import annotations

from sislink.model.codes import DISABILITY
from sislink.model.crosswalks import ED_FI_DISABILITY

ED_FI_NAMESPACE = "uri://ed-fi.org/"

DISABILITY_DESCRIPTOR = {
    "210": "Intellectual Disability",
    "220": "Hard of Hearing",
    "230": "Deafness",
    "240": "Speech or Language Impairment",
    "250": "Visual Impairment, including Blindness",
    "260": "Serious Emotional Disability",
    "270": "Orthopedic Impairment",
    "280": "Other Health Impairment",
    "290": "Specific Learning Disability",
    "300": "Deaf-Blindness",
    "310": "Multiple Disabilities",
    "320": "Autism Spectrum Disorders",
    "330": "Traumatic Brain Injury",
}
"""Ed-Fi DisabilityDescriptor code value by CALPADS disability code.

Ed-Fi 5.2 has one "Hearing Impairment, including Deafness" descriptor where
CALPADS has 220 and 230, so those two use the crosswalk's separate names,
which are not in the 5.2 set.
"""

CALIFORNIA_DISABILITY_NAMESPACE = "uri://sislink/DisabilityDescriptor"
"""Namespace for CALPADS disability codes that have no Ed-Fi descriptor (281).

NOTE: sislink chose this namespace, and no standard body publishes it. The
code value after ``#`` is the CALPADS code, which normalization reads back.
"""

SEX_DESCRIPTOR = {"M": "Male", "F": "Female", "X": "Non-binary"}
"""Ed-Fi SexDescriptor code value (Data Standard 5.1 set) by CALPADS gender.

NOTE: ED_FI_GENDER maps "Nonbinary" but not the descriptor's "Non-binary",
so X written here reads back as an unmapped code until the crosswalk has it.
"""


def descriptor_uri(descriptor: str, value: str) -> str:
    """Return ``value`` as a URI of the Ed-Fi ``descriptor``, unless it is a URI."""
    value = value.strip()
    if value.lower().startswith("uri://"):
        return value
    return f"{ED_FI_NAMESPACE}{descriptor}#{value}"


def descriptor_value(descriptor: str, text: str) -> str:
    """Return the code value of a URI ``descriptor_uri`` writes, else ``text``.

    Only a URI in the Ed-Fi namespace and of ``descriptor`` is read back, so
    a value of another namespace or descriptor keeps the URI that shows
    where it comes from. Case is ignored in the namespace and descriptor.
    """
    prefix = f"{ED_FI_NAMESPACE}{descriptor}#".casefold()
    if text.casefold().startswith(prefix):
        return text[len(prefix) :].strip() or text
    return text


def disability_code(text: str) -> str:
    """Return the CALPADS code of a disability URI, or the text it carries.

    This reverses ``disability_uri``. Descriptors map through the Ed-Fi
    disability crosswalk, as normalization maps the primary and secondary
    disability, and it contains every name of ``DISABILITY_DESCRIPTOR``. A URI of
    ``CALIFORNIA_DISABILITY_NAMESPACE`` carries the code itself, and any other
    Ed-Fi DisabilityDescriptor URI gives its code value (``descriptor_value``).
    """
    code = ED_FI_DISABILITY.translate(text)
    if code is not None:
        return code
    prefix = f"{CALIFORNIA_DISABILITY_NAMESPACE}#".casefold()
    if text.casefold().startswith(prefix):
        value = text[len(prefix) :].strip()
        if value in DISABILITY:
            return value
    return descriptor_value("DisabilityDescriptor", text)


def disability_uri(value: str) -> str:
    """Return the DisabilityDescriptor URI of a CALPADS code or descriptor text."""
    code = value.strip()
    if code in DISABILITY_DESCRIPTOR:
        return descriptor_uri("DisabilityDescriptor", DISABILITY_DESCRIPTOR[code])
    if code in DISABILITY:
        return f"{CALIFORNIA_DISABILITY_NAMESPACE}#{code}"
    return descriptor_uri("DisabilityDescriptor", value)


def sex_uri(value: str) -> str:
    """Return the SexDescriptor URI of a CALPADS gender code or descriptor text."""
    code = value.strip().upper()
    if code in SEX_DESCRIPTOR:
        return descriptor_uri("SexDescriptor", SEX_DESCRIPTOR[code])
    return descriptor_uri("SexDescriptor", value)
