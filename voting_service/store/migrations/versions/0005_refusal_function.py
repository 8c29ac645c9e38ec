"""voting_refuse(code): a statement's way to refuse with an error (PostgreSQL only)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# The casting write (store/appends.py) sends its statement and COMMIT in one round trip; a
# refusal decided inside that statement (a spoiled ballot) must therefore be an error, which
# turns the COMMIT into a rollback. SQLSTATE P0001 (raise_exception), message = the code.
# VOLATILE (the default): never evaluated ahead of the CASE that guards it.


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
CREATE FUNCTION voting_refuse(code text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = code;
END
$$""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS voting_refuse(text)")
