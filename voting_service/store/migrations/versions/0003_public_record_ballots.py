"""public record, ballots, kiosks

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import voting_service.store.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('elections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('election_key', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('credential_path', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('authority_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('authority_list_signature', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('service_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('record_height', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('record_head', sa.String(length=64), server_default='0' * 64, nullable=False))
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('replaces', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('reissue_signature', sa.String(length=128), nullable=True))
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_event', sa.String(length=64), nullable=True))

    op.create_table('record_events',
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_record_events_election_id_elections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('election_id', 'seq', name=op.f('pk_record_events')),
    sa.UniqueConstraint('election_id', 'hash', name=op.f('uq_record_events_election_id_hash')),
    sa.UniqueConstraint('election_id', 'prev_hash', name=op.f('uq_record_events_election_id_prev_hash'))
    )
    op.create_table('record_heads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.Column('witness', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_record_heads_election_id_elections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_heads'))
    )
    with op.batch_alter_table('record_heads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_heads_election_id'), ['election_id'], unique=False)
    op.create_table('ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('tracker', sa.String(length=64), nullable=False),
    sa.Column('credential', sa.String(length=64), nullable=False),
    sa.Column('question', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('ciphertexts', sa.String(length=64), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=False),
    sa.Column('request_digest', sa.String(length=64), nullable=False),
    sa.CheckConstraint("channel IN ('online','kiosk')", name=op.f('ck_ballots_channel')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_ballots_election_id_elections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots')),
    sa.UniqueConstraint('election_id', 'ciphertexts', name=op.f('uq_ballots_election_id_ciphertexts')),
    sa.UniqueConstraint('election_id', 'credential', 'question', 'channel', 'seq', name=op.f('uq_ballots_election_id_credential_question_channel_seq')),
    sa.UniqueConstraint('election_id', 'tracker', name=op.f('uq_ballots_election_id_tracker'))
    )
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballots_request_digest'), ['request_digest'], unique=False)
    op.create_table('spoiled_ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('tracker', sa.String(length=64), nullable=False),
    sa.Column('ciphertexts', sa.String(length=64), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_spoiled_ballots_election_id_elections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spoiled_ballots')),
    sa.UniqueConstraint('election_id', 'ciphertexts', name=op.f('uq_spoiled_ballots_election_id_ciphertexts')),
    sa.UniqueConstraint('election_id', 'tracker', name=op.f('uq_spoiled_ballots_election_id_tracker'))
    )
    op.create_table('kiosks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('polling_point_id', sa.Integer(), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('enrolled_at', voting_service.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', voting_service.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('active','revoked')", name=op.f('ck_kiosks_status')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_kiosks_election_id_elections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['polling_point_id'], ['polling_points.id'], name=op.f('fk_kiosks_polling_point_id_polling_points')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosks')),
    sa.UniqueConstraint('election_id', 'key', name=op.f('uq_kiosks_election_id_key')),
    sa.UniqueConstraint('election_id', 'public_key', name=op.f('uq_kiosks_election_id_public_key'))
    )


def downgrade() -> None:
    op.drop_table('kiosks')
    op.drop_table('spoiled_ballots')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballots_request_digest'))
    op.drop_table('ballots')
    with op.batch_alter_table('record_heads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_heads_election_id'))
    op.drop_table('record_heads')
    op.drop_table('record_events')
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.drop_column('checkin_event')
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.drop_column('reissue_signature')
        batch_op.drop_column('replaces')
        batch_op.drop_column('checkin_hash')
    with op.batch_alter_table('elections', schema=None) as batch_op:
        batch_op.drop_column('record_head')
        batch_op.drop_column('record_height')
        batch_op.drop_column('service_key')
        batch_op.drop_column('authority_list_signature')
        batch_op.drop_column('authority_key')
        batch_op.drop_column('credential_path')
        batch_op.drop_column('election_key')
