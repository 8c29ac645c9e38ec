"""voter roll, credentials, register

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa
import voting_service.store.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', voting_service.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', voting_service.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_login_throttle_election_id_elections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle'))
    )
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttle_election_id'), ['election_id'], unique=False)

    op.create_table('voters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('voter_number', sa.String(length=32), nullable=False),
    sa.Column('last_name', sa.String(length=200), nullable=False),
    sa.Column('first_names', sa.String(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('district_key', sa.String(length=64), nullable=True),
    sa.Column('row_digest', sa.String(length=64), nullable=False),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('eligibility_reason', sa.String(length=300), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('override', sa.String(length=8), nullable=True),
    sa.Column('override_reason', sa.String(length=300), nullable=False),
    sa.Column('login_hash', sa.String(length=200), nullable=True),
    sa.Column('created_at', voting_service.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', voting_service.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("override IS NULL OR override IN ('include','exclude')", name=op.f('ck_voters_override')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_voters_election_id_elections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voters')),
    sa.UniqueConstraint('election_id', 'voter_number', name=op.f('uq_voters_election_id_voter_number'))
    )
    op.create_table('credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=True),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('letter_batch', sa.String(length=200), server_default='', nullable=False),
    sa.Column('issued_at', voting_service.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', voting_service.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('active','revoked')", name=op.f('ck_credentials_status')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_credentials_election_id_elections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['voters.id'], name=op.f('fk_credentials_voter_id_voters'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credentials')),
    sa.UniqueConstraint('election_id', 'public_key', name=op.f('uq_credentials_election_id_public_key'))
    )
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.create_index('uq_credentials_one_active_per_voter', ['voter_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('participation',
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('online_ballots', sa.Integer(), nullable=False),
    sa.Column('last_online_at', voting_service.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checkin_point_id', sa.Integer(), nullable=True),
    sa.Column('checkin_at', voting_service.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checkin_by', sa.String(length=120), nullable=True),
    sa.Column('in_person_at', voting_service.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(state IN ('checked_in','voted_in_person')) = (checkin_point_id IS NOT NULL)", name=op.f('ck_participation_checkin_point')),
    sa.CheckConstraint("state IN ('none','online','checked_in','voted_in_person')", name=op.f('ck_participation_state')),
    sa.ForeignKeyConstraint(['checkin_point_id'], ['polling_points.id'], name=op.f('fk_participation_checkin_point_id_polling_points')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_participation_election_id_elections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['voters.id'], name=op.f('fk_participation_voter_id_voters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('voter_id', name=op.f('pk_participation'))
    )
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participation_election_id'), ['election_id'], unique=False)

    op.create_table('voter_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('created_at', voting_service.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', voting_service.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['voter_id'], ['voters.id'], name=op.f('fk_voter_sessions_voter_id_voters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_voter_sessions'))
    )
    with op.batch_alter_table('voter_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voter_sessions_voter_id'), ['voter_id'], unique=False)

    with op.batch_alter_table('elections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_age', sa.Integer(), server_default='16', nullable=False))
        batch_op.add_column(sa.Column('login_requires_birth_date', sa.Boolean(), server_default=sa.text('(true)'), nullable=False))
        batch_op.add_column(sa.Column('certified_at', voting_service.store.types.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('elections', schema=None) as batch_op:
        batch_op.drop_column('certified_at')
        batch_op.drop_column('login_requires_birth_date')
        batch_op.drop_column('min_age')

    with op.batch_alter_table('voter_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voter_sessions_voter_id'))

    op.drop_table('voter_sessions')
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participation_election_id'))

    op.drop_table('participation')
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.drop_index('uq_credentials_one_active_per_voter', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.drop_table('credentials')
    op.drop_table('voters')
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttle_election_id'))

    op.drop_table('login_throttle')
