"""STAND-IN for python-jose, which this machine's package index does not carry.

Only what the upstream backend uses: `jwt.encode`, `jwt.decode` and `JWTError`, over PyJWT
(same HS256 tokens). Not part of upstream; used only by targets/upstream/run.sh.
"""

import jwt as _pyjwt

JWTError = _pyjwt.PyJWTError


class _Jwt:
    @staticmethod
    def encode(claims, key, algorithm="HS256"):
        return _pyjwt.encode(claims, key, algorithm=algorithm)

    @staticmethod
    def decode(token, key, algorithms=None, **_options):
        # python-jose does not insist that `sub` is a string; PyJWT >= 2.10 does by default.
        return _pyjwt.decode(
            token, key, algorithms=algorithms or ["HS256"], options={"verify_sub": False}
        )


jwt = _Jwt()
