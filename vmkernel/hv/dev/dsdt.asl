/*
 * DSDT of the Keel guest platform, compiled by iasl (vmkernel/hv/dev/dsdt.mk) into hv_dsdt_aml[]
 * for hv/acpi_tables.h.  It holds only what a directly booted Linux needs from AML:
 *
 *   \_S5      the soft-off sleep type that hv/acpi_pm.h acts on (ACPI_PM_SLP_TYP_S5)
 *   \_SB.PCI0 the PCI host bridge: bus 0, configuration mechanism #1 at 0xCF8-0xCFF (no MCFG,
 *             so no PNP0A08 _CID either: a PCI Express bridge would promise ECAM), its
 *             windows, and the INTx routing table _PRT
 *
 * _PRT: device slot S (1..31), pin P (0 INTA .. 3 INTD) is wired straight to the I/O APIC
 * input GSI 16 + ((S + P) % 8), ACPI_PCI_INTX_GSI in hv/acpi_tables.h, which the PCI model
 * uses.  With no link device (Source Zero) the GSI is level-triggered, active low, the ACPI
 * default, and Linux programs it so.  Slot 0 is the host bridge, which raises no interrupt.
 *
 * The acpi_tables unit test decodes the compiled _S5, _HID, _CRS and _PRT and checks them
 * against the C constants: keep them in step when changing this file.
 */
DefinitionBlock ("dsdt.aml", "DSDT", 2, "KEEL  ", "KEELVM  ", 1)
{
    /* SLP_TYPa, SLP_TYPb, reserved, reserved */
    Name (\_S5, Package (0x04) { 0x05, 0x05, Zero, Zero })

    Scope (\_SB)
    {
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A03"))
            Name (_UID, Zero)
            Name (_BBN, Zero)
            Name (_SEG, Zero)
            Name (_CRS, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000,             // Granularity
                    0x0000,             // Range Minimum
                    0x0000,             // Range Maximum
                    0x0000,             // Translation Offset
                    0x0001)             // Length
                /* CONFIG_ADDRESS / CONFIG_DATA (and RST_CNT at 0xCF9) */
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
                /* The rest of I/O space goes down to the bus: the legacy ports below 0xCF8
                 * and, from 0x1000, PCI I/O BARs. */
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000,             // Granularity
                    0x0000,             // Range Minimum
                    0x0CF7,             // Range Maximum
                    0x0000,             // Translation Offset
                    0x0CF8)             // Length
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000,             // Granularity
                    0x0D00,             // Range Minimum
                    0xFFFF,             // Range Maximum
                    0x0000,             // Translation Offset
                    0xF300)             // Length
                /* 32-bit MMIO window, ACPI_PCI_MMIO_BASE..ACPI_PCI_MMIO_LIMIT: up to the
                 * I/O APIC at 0xFEC00000. */
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable,
                    ReadWrite,
                    0x00000000,         // Granularity
                    0xC0000000,         // Range Minimum
                    0xFEBFFFFF,         // Range Maximum
                    0x00000000,         // Translation Offset
                    0x3EC00000)         // Length
            })
            Name (_PRT, Package ()
            {
                /* Address (slot << 16 | 0xFFFF), Pin, Source, GSI */
                Package () { 0x0001FFFF, 0, Zero, 17 },
                Package () { 0x0001FFFF, 1, Zero, 18 },
                Package () { 0x0001FFFF, 2, Zero, 19 },
                Package () { 0x0001FFFF, 3, Zero, 20 },
                Package () { 0x0002FFFF, 0, Zero, 18 },
                Package () { 0x0002FFFF, 1, Zero, 19 },
                Package () { 0x0002FFFF, 2, Zero, 20 },
                Package () { 0x0002FFFF, 3, Zero, 21 },
                Package () { 0x0003FFFF, 0, Zero, 19 },
                Package () { 0x0003FFFF, 1, Zero, 20 },
                Package () { 0x0003FFFF, 2, Zero, 21 },
                Package () { 0x0003FFFF, 3, Zero, 22 },
                Package () { 0x0004FFFF, 0, Zero, 20 },
                Package () { 0x0004FFFF, 1, Zero, 21 },
                Package () { 0x0004FFFF, 2, Zero, 22 },
                Package () { 0x0004FFFF, 3, Zero, 23 },
                Package () { 0x0005FFFF, 0, Zero, 21 },
                Package () { 0x0005FFFF, 1, Zero, 22 },
                Package () { 0x0005FFFF, 2, Zero, 23 },
                Package () { 0x0005FFFF, 3, Zero, 16 },
                Package () { 0x0006FFFF, 0, Zero, 22 },
                Package () { 0x0006FFFF, 1, Zero, 23 },
                Package () { 0x0006FFFF, 2, Zero, 16 },
                Package () { 0x0006FFFF, 3, Zero, 17 },
                Package () { 0x0007FFFF, 0, Zero, 23 },
                Package () { 0x0007FFFF, 1, Zero, 16 },
                Package () { 0x0007FFFF, 2, Zero, 17 },
                Package () { 0x0007FFFF, 3, Zero, 18 },
                Package () { 0x0008FFFF, 0, Zero, 16 },
                Package () { 0x0008FFFF, 1, Zero, 17 },
                Package () { 0x0008FFFF, 2, Zero, 18 },
                Package () { 0x0008FFFF, 3, Zero, 19 },
                Package () { 0x0009FFFF, 0, Zero, 17 },
                Package () { 0x0009FFFF, 1, Zero, 18 },
                Package () { 0x0009FFFF, 2, Zero, 19 },
                Package () { 0x0009FFFF, 3, Zero, 20 },
                Package () { 0x000AFFFF, 0, Zero, 18 },
                Package () { 0x000AFFFF, 1, Zero, 19 },
                Package () { 0x000AFFFF, 2, Zero, 20 },
                Package () { 0x000AFFFF, 3, Zero, 21 },
                Package () { 0x000BFFFF, 0, Zero, 19 },
                Package () { 0x000BFFFF, 1, Zero, 20 },
                Package () { 0x000BFFFF, 2, Zero, 21 },
                Package () { 0x000BFFFF, 3, Zero, 22 },
                Package () { 0x000CFFFF, 0, Zero, 20 },
                Package () { 0x000CFFFF, 1, Zero, 21 },
                Package () { 0x000CFFFF, 2, Zero, 22 },
                Package () { 0x000CFFFF, 3, Zero, 23 },
                Package () { 0x000DFFFF, 0, Zero, 21 },
                Package () { 0x000DFFFF, 1, Zero, 22 },
                Package () { 0x000DFFFF, 2, Zero, 23 },
                Package () { 0x000DFFFF, 3, Zero, 16 },
                Package () { 0x000EFFFF, 0, Zero, 22 },
                Package () { 0x000EFFFF, 1, Zero, 23 },
                Package () { 0x000EFFFF, 2, Zero, 16 },
                Package () { 0x000EFFFF, 3, Zero, 17 },
                Package () { 0x000FFFFF, 0, Zero, 23 },
                Package () { 0x000FFFFF, 1, Zero, 16 },
                Package () { 0x000FFFFF, 2, Zero, 17 },
                Package () { 0x000FFFFF, 3, Zero, 18 },
                Package () { 0x0010FFFF, 0, Zero, 16 },
                Package () { 0x0010FFFF, 1, Zero, 17 },
                Package () { 0x0010FFFF, 2, Zero, 18 },
                Package () { 0x0010FFFF, 3, Zero, 19 },
                Package () { 0x0011FFFF, 0, Zero, 17 },
                Package () { 0x0011FFFF, 1, Zero, 18 },
                Package () { 0x0011FFFF, 2, Zero, 19 },
                Package () { 0x0011FFFF, 3, Zero, 20 },
                Package () { 0x0012FFFF, 0, Zero, 18 },
                Package () { 0x0012FFFF, 1, Zero, 19 },
                Package () { 0x0012FFFF, 2, Zero, 20 },
                Package () { 0x0012FFFF, 3, Zero, 21 },
                Package () { 0x0013FFFF, 0, Zero, 19 },
                Package () { 0x0013FFFF, 1, Zero, 20 },
                Package () { 0x0013FFFF, 2, Zero, 21 },
                Package () { 0x0013FFFF, 3, Zero, 22 },
                Package () { 0x0014FFFF, 0, Zero, 20 },
                Package () { 0x0014FFFF, 1, Zero, 21 },
                Package () { 0x0014FFFF, 2, Zero, 22 },
                Package () { 0x0014FFFF, 3, Zero, 23 },
                Package () { 0x0015FFFF, 0, Zero, 21 },
                Package () { 0x0015FFFF, 1, Zero, 22 },
                Package () { 0x0015FFFF, 2, Zero, 23 },
                Package () { 0x0015FFFF, 3, Zero, 16 },
                Package () { 0x0016FFFF, 0, Zero, 22 },
                Package () { 0x0016FFFF, 1, Zero, 23 },
                Package () { 0x0016FFFF, 2, Zero, 16 },
                Package () { 0x0016FFFF, 3, Zero, 17 },
                Package () { 0x0017FFFF, 0, Zero, 23 },
                Package () { 0x0017FFFF, 1, Zero, 16 },
                Package () { 0x0017FFFF, 2, Zero, 17 },
                Package () { 0x0017FFFF, 3, Zero, 18 },
                Package () { 0x0018FFFF, 0, Zero, 16 },
                Package () { 0x0018FFFF, 1, Zero, 17 },
                Package () { 0x0018FFFF, 2, Zero, 18 },
                Package () { 0x0018FFFF, 3, Zero, 19 },
                Package () { 0x0019FFFF, 0, Zero, 17 },
                Package () { 0x0019FFFF, 1, Zero, 18 },
                Package () { 0x0019FFFF, 2, Zero, 19 },
                Package () { 0x0019FFFF, 3, Zero, 20 },
                Package () { 0x001AFFFF, 0, Zero, 18 },
                Package () { 0x001AFFFF, 1, Zero, 19 },
                Package () { 0x001AFFFF, 2, Zero, 20 },
                Package () { 0x001AFFFF, 3, Zero, 21 },
                Package () { 0x001BFFFF, 0, Zero, 19 },
                Package () { 0x001BFFFF, 1, Zero, 20 },
                Package () { 0x001BFFFF, 2, Zero, 21 },
                Package () { 0x001BFFFF, 3, Zero, 22 },
                Package () { 0x001CFFFF, 0, Zero, 20 },
                Package () { 0x001CFFFF, 1, Zero, 21 },
                Package () { 0x001CFFFF, 2, Zero, 22 },
                Package () { 0x001CFFFF, 3, Zero, 23 },
                Package () { 0x001DFFFF, 0, Zero, 21 },
                Package () { 0x001DFFFF, 1, Zero, 22 },
                Package () { 0x001DFFFF, 2, Zero, 23 },
                Package () { 0x001DFFFF, 3, Zero, 16 },
                Package () { 0x001EFFFF, 0, Zero, 22 },
                Package () { 0x001EFFFF, 1, Zero, 23 },
                Package () { 0x001EFFFF, 2, Zero, 16 },
                Package () { 0x001EFFFF, 3, Zero, 17 },
                Package () { 0x001FFFFF, 0, Zero, 23 },
                Package () { 0x001FFFFF, 1, Zero, 16 },
                Package () { 0x001FFFFF, 2, Zero, 17 },
                Package () { 0x001FFFFF, 3, Zero, 18 }
            })
        }
    }
}
