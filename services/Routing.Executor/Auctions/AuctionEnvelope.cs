namespace Routing.Executor.Auctions;

/// <summary>
/// The money one auction may spend: the reservation granted on the task's ledger. Each call claims its own worst
/// case before it is sent and settles to what it cost after, so calls in flight can never together exceed the
/// reservation, whatever the prompts turn out to be.
/// </summary>
public sealed class AuctionEnvelope(long reservedMicros)
{
    private readonly Lock _gate = new();
    private long _claimed;
    private long _charged;

    public long ReservedMicros { get; } = reservedMicros;

    /// <summary>What the settled calls cost plus the worst case of calls still unsettled: the amount to commit.</summary>
    public long ChargedMicros
    {
        get
        {
            lock (_gate)
            {
                return _charged + _claimed;
            }
        }
    }

    /// <summary>Claims <paramref name="worstCaseMicros"/>; false when it does not fit in what is left.</summary>
    public bool TryClaim(long worstCaseMicros)
    {
        lock (_gate)
        {
            if (_charged + _claimed + worstCaseMicros > ReservedMicros)
            {
                return false;
            }
            _claimed += worstCaseMicros;
            return true;
        }
    }

    /// <summary>
    /// Replaces a claim by what the call cost. A backend reporting more than the claimed worst case is charged
    /// what it reported: the commit then exceeds the reservation and the ledger shows an overrun, not a gap.
    /// </summary>
    public void Settle(long claimedMicros, long costMicros)
    {
        lock (_gate)
        {
            _claimed -= claimedMicros;
            _charged += costMicros;
        }
    }

    public long Left
    {
        get
        {
            lock (_gate)
            {
                return ReservedMicros - _charged - _claimed;
            }
        }
    }
}
